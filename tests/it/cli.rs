//! The command line in the staff's language: help and errors in Chinese under `--lang zh` or a
//! zh_* locale (or none), in English otherwise.
//!
//! In: the binary, with a locale set for each case. Out: assertions on what it prints and its
//! exit codes.

use std::process::{Command, Output};

fn with_locale(locale: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lightbox"))
        .args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", locale)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_is_in_the_locales_language_unless_lang_says_otherwise() {
    for locale in ["zh_CN.UTF-8", "C.UTF-8", ""] {
        let out = with_locale(locale, &["--help"]);
        assert!(out.status.success());
        let help = text(&out.stdout);
        assert!(
            help.contains("用法") && help.contains("工作台"),
            "{locale}: {help}"
        );
        assert!(!help.contains("Usage"), "{locale}: {help}");
    }
    let en = text(&with_locale("en_US.UTF-8", &["--help"]).stdout);
    assert!(en.contains("Usage") && !en.contains("用法"), "{en}");
    // --lang wins over the locale, for every command's help.
    let serve = text(&with_locale("en_US.UTF-8", &["--lang", "zh", "serve", "--help"]).stdout);
    assert!(
        serve.contains("监听地址") && serve.contains("用法"),
        "{serve}"
    );
    let run = text(&with_locale("zh_CN.UTF-8", &["run", "--lang=en", "--help"]).stdout);
    assert!(
        run.contains("Work folder") && !run.contains("用法"),
        "{run}"
    );
}

#[test]
fn errors_are_in_the_language_too() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("work");
    let out_dir = out_dir.to_str().unwrap();
    // The default language (no locale): Chinese.
    let zh = with_locale("C.UTF-8", &["run", "/nonexistent", "--out", out_dir]);
    assert_eq!(zh.status.code(), Some(2));
    let err = text(&zh.stderr);
    assert!(err.contains("无法打开来稿文件夹 /nonexistent"), "{err}");
    let en = with_locale(
        "C.UTF-8",
        &["--lang", "en", "run", "/nonexistent", "--out", out_dir],
    );
    assert_eq!(en.status.code(), Some(2));
    assert!(text(&en.stderr).contains("cannot open the drops folder /nonexistent"));
    let en = with_locale("en_GB.UTF-8", &["package", out_dir, "--to", "/tmp/x"]);
    assert_eq!(en.status.code(), Some(2));
    assert!(
        text(&en.stderr).contains("holds no results"),
        "{}",
        text(&en.stderr)
    );
    let zh = with_locale("zh_CN.UTF-8", &["package", out_dir, "--to", "/tmp/x"]);
    assert!(
        text(&zh.stderr).contains("中没有检查结果"),
        "{}",
        text(&zh.stderr)
    );
    // A mistyped command: said in Chinese, with clap's own detail after it.
    let typo = with_locale("zh_CN.UTF-8", &["runn"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        text(&typo.stderr).contains("没有这个命令"),
        "{}",
        text(&typo.stderr)
    );
    // A file where the drops should be a folder or zip.
    let file = dir.path().join("a.txt");
    std::fs::write(&file, b"x").unwrap();
    let zh = with_locale(
        "zh_CN.UTF-8",
        &["run", file.to_str().unwrap(), "--out", out_dir],
    );
    assert!(
        text(&zh.stderr).contains("既不是文件夹也不是 zip 压缩包"),
        "{}",
        text(&zh.stderr)
    );
}
