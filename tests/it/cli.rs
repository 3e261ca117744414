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
    // A mistyped command: said in Chinese (the parser's refusals have a test of their own).
    let typo = with_locale("zh_CN.UTF-8", &["runn"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        text(&typo.stderr).contains("没有“runn”这个命令（是不是要写 run？）"),
        "{}",
        text(&typo.stderr)
    );
    // A step that breaks in the middle of a run: what it was doing and the system's reason, in
    // Chinese (a file where the run's folder for derived images goes).
    let blocked = dir.path().join("blocked");
    std::fs::create_dir_all(&blocked).unwrap();
    std::fs::write(blocked.join("derived"), b"x").unwrap();
    let drops = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/drops");
    let args = ["run", drops, "--out", blocked.to_str().unwrap()];
    let zh = with_locale("zh_CN.UTF-8", &args);
    assert_eq!(zh.status.code(), Some(2));
    let err = text(&zh.stderr);
    let derived = blocked.join("derived");
    assert!(
        err.contains(&format!("无法完成：创建 {}：", derived.display())),
        "{err}"
    );
    assert!(
        !err.contains("creating") && !err.contains("os error"),
        "{err}"
    );
    let en = text(&with_locale("en_US.UTF-8", &args).stderr);
    assert!(
        en.contains(&format!("creating {}: ", derived.display())),
        "{en}"
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

/// Every way of getting the command line wrong is said in Chinese under a Chinese locale, with
/// what was given and what would do, and none of the parser's English; English stays the
/// parser's own.
#[test]
fn a_command_line_the_parser_refuses_is_said_wholly_in_chinese() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["package", "w", "--to", "p", "--split-size", "lots"],
            &["--split-size", "“lots”不是大小", "700MB"],
        ),
        (
            &["package", "w", "--to", "p", "--split-size", "3 parsecs"],
            &["单位“parsecs”看不懂", "KiB"],
        ),
        (
            &["package", "w", "--to", "p", "--split-size", "0"],
            &["“0”不是正的大小"],
        ),
        (
            &["serve", "--listen", "localhost"],
            &["--listen", "“localhost”", "127.0.0.1:8080"],
        ),
        (
            &["--jobs", "two", "run", "a", "--out", "b"],
            &["--jobs", "“two”", "不是整数"],
        ),
        (
            &["run", "a", "--out", "b", "--sheets-by", "yer"],
            &["不接受“yer”", "unit、year、event", "是不是要写 year"],
        ),
        (
            &["run"],
            &["缺少必需的参数", "--out", "<DROPS>", "用法：lightbox run"],
        ),
        (
            &["run", "a", "--out", "b", "--jbos", "3"],
            &["没有“--jbos”这个选项", "--jobs"],
        ),
        (&["profile", "extra"], &["多出的参数“extra”"]),
        (&["package", "w", "--to"], &["--to <TO> 后面缺少值"]),
        (
            &["run", "a", "--out", "b", "--out", "c"],
            &["--out <OUT> 只能给一次"],
        ),
        (
            &["runn"],
            &[
                "没有“runn”这个命令",
                "run、package、verify、template、serve、profile",
            ],
        ),
        (&["--quiet"], &["请给出要执行的命令"]),
    ];
    for (args, said) in cases {
        let out = with_locale("zh_CN.UTF-8", args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        for words in *said {
            assert!(err.contains(words), "{args:?}: no {words:?} in {err}");
        }
        assert!(err.contains("--help 查看用法"), "{args:?}: {err}");
        for english in ["error", "Usage", "tip:", "For more", "invalid", "found"] {
            assert!(!err.contains(english), "{args:?}: {english:?} in {err}");
        }
        let en = text(&with_locale("en_US.UTF-8", args).stderr);
        assert!(
            en.contains("error:") && !en.contains("用法"),
            "{args:?}: {en}"
        );
    }
    // The reader's reason reaches the English too.
    let en = text(
        &with_locale(
            "en_US.UTF-8",
            &["package", "w", "--to", "p", "--split-size", "lots"],
        )
        .stderr,
    );
    assert!(en.contains("is not a size"), "{en}");
}

#[test]
fn a_profile_font_or_decisions_file_that_cannot_serve_is_said_in_the_language() {
    let dir = tempfile::tempdir().unwrap();
    let drops = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/drops");
    let work = dir.path().join("work");
    let work = work.to_str().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "years = [").unwrap();
    let bad = bad.to_str().unwrap();
    // A profile that serves says so in the language.
    let good = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/cast-2023.toml");
    let zh = text(&with_locale("zh_CN.UTF-8", &["profile", "--check", good]).stdout);
    assert!(zh.contains("征集方案可用（cast-2023）"), "{zh}");
    let en = text(&with_locale("en_US.UTF-8", &["profile", "--check", good]).stdout);
    assert!(en.contains(": ok (cast-2023)"), "{en}");
    let absent = dir.path().join("absent.toml");
    let absent = absent.to_str().unwrap();
    let says = |locale: &str, args: &[&str], wanted: &str| {
        let out = with_locale(locale, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(wanted), "{args:?}: {err}");
        // The system's reason once, not repeated by each layer.
        assert!(err.matches("os error").count() <= 1, "{err}");
        err
    };
    let run = ["run", drops, "--out", work];
    let zh = says(
        "zh_CN.UTF-8",
        &[&run[..], &["--profile", absent]].concat(),
        "无法读取征集方案",
    );
    assert!(zh.contains("文件或文件夹不存在"), "{zh}");
    let en = says(
        "en_US.UTF-8",
        &[&run[..], &["--profile", absent]].concat(),
        "cannot read the profile",
    );
    assert!(en.contains("No such file"), "{en}");
    says(
        "zh_CN.UTF-8",
        &[&run[..], &["--profile", bad]].concat(),
        "不能用作征集方案：TOML",
    );
    says(
        "zh_CN.UTF-8",
        &[&run[..], &["--font", bad]].concat(),
        "不能用作字体",
    );
    // A fill-in sheet where nothing can be written.
    let unit = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/drops/新疆大学");
    says(
        "zh_CN.UTF-8",
        &["template", unit, "--to", "/proc/lightbox-x.xlsx"],
        "无法写入 /proc/lightbox-x.xlsx（",
    );
    // Nothing ran in these: the work folder holds no report to package.
    assert!(!dir.path().join("work/report.json").exists());
    // A package where nothing can be written, and a decisions file that is not one, need a
    // run's results first.
    let ran = with_locale("C.UTF-8", &["run", drops, "--out", work, "--quiet"]);
    assert_eq!(ran.status.code(), Some(1));
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, b"x").unwrap();
    let inside = blocker.join("pkg");
    says(
        "zh_CN.UTF-8",
        &["package", work, "--to", inside.to_str().unwrap()],
        "无法在",
    );
    says(
        "en_US.UTF-8",
        &["package", work, "--to", inside.to_str().unwrap()],
        "cannot write the package at",
    );
    says(
        "zh_CN.UTF-8",
        &[
            "package",
            work,
            "--to",
            dir.path().join("pkg").to_str().unwrap(),
            "--decisions",
            bad,
        ],
        "不能用作审核决定文件",
    );
    assert!(!dir.path().join("pkg").exists());
}

#[test]
fn a_desk_on_a_taken_port_says_so_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let work = dir.path().join("work");
    let args = [
        "serve",
        work.to_str().unwrap(),
        "--listen",
        &address,
        "--no-browser",
    ];
    let zh = with_locale("zh_CN.UTF-8", &args);
    assert_eq!(zh.status.code(), Some(2));
    let err = text(&zh.stderr);
    assert!(
        err.contains(&format!("无法在 {address} 上提供工作台（地址已被占用）")),
        "{err}"
    );
    // A work folder that cannot be made.
    let zh = with_locale(
        "zh_CN.UTF-8",
        &["serve", "/proc/lightbox-work", "--no-browser"],
    );
    assert_eq!(zh.status.code(), Some(2));
    assert!(
        text(&zh.stderr).contains("无法创建工作文件夹 /proc/lightbox-work（文件或文件夹不存在）"),
        "{}",
        text(&zh.stderr)
    );
    let en = with_locale("en_US.UTF-8", &args);
    assert!(
        text(&en.stderr).contains(&format!("cannot serve the desk on {address}")),
        "{}",
        text(&en.stderr)
    );
}
