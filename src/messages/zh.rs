//! The staff-facing wording in Chinese (中文): every finding, label and explanation, as the
//! report, the fix-lists, the sheets, the package's books, the review page and the CLI show them.
//!
//! In: a noun from `photo` (or `receipt`, `broken`, `output`'s `Hint`, the nouns of
//! `nouns.rs`: labels, phrases, the CLI's closing lines, the workbooks' columns). Out: its
//! Chinese text. Every `match` over a noun is exhaustive, so a new check or label cannot compile
//! here without its Chinese wording. Reached only through the dispatch in `messages/mod.rs`.

use super::nouns::{
    Label, LeftOut, Misuse, PhotoColumn, Phrase, Refusal, Summary, TemplateColumn, Unparsed,
};
use crate::broken::{BadSize, Broken, Given, Step};
use crate::catalog::CatalogError;
use crate::fingerprint::Dihedral;
use crate::output::Hint;
use crate::photo::tags::MAX_ROWS;
use crate::photo::{Check, Damage, Field, GroupKind, Limit, Severity, SheetProblem, Status};
use crate::progress::TableWords;
use crate::receipt::Issue;

/// A sentence a member of staff can act on.
pub(super) fn check(check: &Check) -> String {
    match check {
        Check::Unreadable { reason } => format!("无法读取：{}", read_reason(reason)),
        Check::FolderUnreadable { reason } => format!("文件夹无法读取：{}", read_reason(reason)),
        Check::EmptyFile => "空文件（0 字节），请重新发送".into(),
        Check::Symlink {
            target,
            dangling: true,
        } => format!("符号链接指向不存在的文件 {target}，未读取"),
        Check::Symlink {
            target,
            dangling: false,
        } => format!("符号链接（指向 {target}），未跟随读取"),
        Check::NotRegularFile => "不是普通文件（管道或设备），未读取".into(),
        Check::NotAnImage { detected } => {
            format!("不是图片：内容为{}（与扩展名不符）", detected_zh(detected))
        }
        Check::UnsupportedFormat {
            format,
            feature: Some(feature),
        } if format.ends_with("JPEG") => format!(
            "此版本的 lightbox 不能读取{}：请用带 {feature} 功能编译的版本（cargo build --features {feature}）重新检查，或请单位发送相机、手机常用的普通 JPEG",
            jpeg_kind_zh(format)
        ),
        Check::UnsupportedFormat {
            format,
            feature: Some(feature),
        } => format!(
            "此版本的 lightbox 不能读取 {format}：请用带 {feature} 功能编译的版本（cargo build --features {feature}）重新检查，或请单位转为 JPEG 后重新发送"
        ),
        Check::UnsupportedFormat {
            format,
            feature: None,
        } => format!("{format} 格式暂不能处理，请转为 JPEG 后重新发送"),
        Check::NotJpeg { format } => format!("{format} 格式，打包时转为 JPEG"),
        Check::Truncated => "文件不完整（图像数据被截断），请重新发送原图".into(),
        Check::CorruptData { reason, damage } => {
            let what = damage.as_ref().map_or_else(|| reason.clone(), self::damage);
            format!("图像数据损坏（{what}），画面有缺损或错乱，请重新发送原图")
        }
        Check::DecodeFailed { reason } => format!("图像数据损坏，无法解码：{reason}"),
        Check::DecoderCrashed {
            reason,
            earlier_run: true,
        } => format!(
            "上次运行（{reason}）在读取此文件时意外中止，本次未再读取，已跳过；请重新发送原图或换一种格式"
        ),
        Check::DecoderCrashed {
            reason,
            earlier_run: false,
        } => format!("解码程序读取此文件时崩溃（{reason}），已跳过；请重新发送原图或换一种格式"),
        Check::TooManyPixels {
            width,
            height,
            limit,
        } => format!("声明尺寸 {width}×{height} 超过像素上限 {limit}，拒绝解码"),
        Check::LongEdgeTooSmall { long_edge, min } => {
            format!("长边 {long_edge} 像素，低于最低要求 {min} 像素")
        }
        Check::ResolutionLow {
            long_edge,
            megapixels,
            recommended,
        } => format!(
            "分辨率偏低：长边 {long_edge} 像素，{megapixels} 百万像素（建议长边 ≥ {recommended}）"
        ),
        Check::FileTooSmall { bytes, min } => {
            format!("文件仅 {} KB，低于最低 {} KB", bytes / 1000, min / 1000)
        }
        Check::FileSmall { bytes, recommended } => format!(
            "文件 {} KB，小于 {} KB，可能经过压缩，请索取原图",
            bytes / 1000,
            recommended / 1000
        ),
        Check::FileTooLarge { bytes, max } => format!(
            "文件 {} MB，超过上限 {} MB",
            bytes / 1_000_000,
            max / 1_000_000
        ),
        Check::FileLarge { bytes, recommended } => format!(
            "文件 {} MB，超过建议的 {} MB",
            bytes / 1_000_000,
            recommended / 1_000_000
        ),
        Check::Cmyk => "CMYK 色彩（印刷用），屏幕显示会偏色".into(),
        Check::MetadataDamaged { block, reason } => {
            format!("{block} 信息块损坏（{reason}）：能读的已读出，缺的信息请由单位补充")
        }
        Check::DataAfterEnd { bytes } => {
            format!("图像结束标记后还有 {bytes} 字节多余数据（已忽略，画面不受影响）")
        }
        Check::MultiPage { pages } => {
            format!("文件共有 {pages} 页，只处理第一页；其余页如是别的照片，请单独发送")
        }
        Check::MissingField { field } => format!("缺少{}", field_label(*field)),
        Check::YearOutOfRange { year, first, last } => {
            format!("年份 {year} 不在 {first}–{last} 之间")
        }
        Check::YearPrecursor { year } => format!("年份 {year} 早于首届全国科普日，请确认"),
        Check::YearConflict {
            used,
            used_source,
            other,
            other_source,
        } => format!(
            "年份不一致：{} 为 {used}，{} 为 {other}（采用 {used}）",
            source_zh(used_source),
            source_zh(other_source)
        ),
        Check::PlaceConflict {
            used,
            used_source,
            other,
            other_source,
        } => format!(
            "地点不一致：{} 为 {used}，{} 为 {other}（采用 {used}）",
            source_zh(used_source),
            source_zh(other_source)
        ),
        Check::YearAmbiguous {
            text,
            source,
            likely,
        } => format!(
            "年份“{text}”（{}）不明确，可能是 {likely} 年，请单位写出四位年份",
            source_zh(source)
        ),
        Check::NotInSheet { sheet } => format!("{sheet} 中没有这张照片的行"),
        Check::YearUnreadable { text, source } => format!(
            "年份“{text}”（{}）无法识别，请写成如 2015 的四位年份",
            source_zh(source)
        ),
        Check::PlaceUnknown { value } => format!("地点“{value}”无法对应到地州市"),
        Check::PlaceOutsideRegion { value } => format!("地点“{value}”不在本区"),
        Check::PlaceSeparateLine { value } => format!("地点“{value}”属兵团，单独报送"),
        Check::CaptionLength { chars, min, max } => {
            format!("图片说明 {chars} 字，应为 {min}–{max} 字")
        }
        Check::EventTooLong { chars, max } => format!("活动名称 {chars} 字，超过 {max} 字"),
        Check::ExactDuplicate { keeper, reason } => {
            let why = keep_reason(reason);
            format!("与 {keeper} 完全相同，保留该份（{why}）")
        }
        Check::NearDuplicate {
            keeper,
            distance,
            transform,
            reason,
        } => {
            let why = keep_reason(reason);
            let how = turn(*transform);
            format!("与 {keeper} 为同一张照片（{how}，差异 {distance}/64），保留该份（{why}）")
        }
        Check::Burst { others } => format!(
            "与 {} 为同一时刻的相似照片（连拍），请选定保留哪张，均未剔除",
            others.join("、")
        ),
        Check::LooksAlike { others } => format!(
            "与 {} 看起来相似，但不能确定是同一张照片，均未剔除；如为同一张，请审核人选定保留哪张",
            others.join("、")
        ),
        Check::SheetRowUnmatched {
            sheet,
            row,
            file_name,
        } => format!("{sheet} 第 {row} 行的文件“{file_name}”不在报送内容中"),
        Check::SheetPartlyRead { rows, left } => format!(
            "汇总表只读取了一部分：已读取 {rows} 行照片信息；{}",
            limit(left)
        ),
        Check::SheetUnreadable { reason } => format!("汇总表无法读取：{}", sheet_problem(reason)),
        Check::UnsafeZipName => "压缩包条目名称指向包外路径，已拒绝".into(),
        Check::EncryptedZipEntry => "压缩包条目已加密，无法读取，请发送未加密的文件".into(),
        Check::ZipBomb {
            declared,
            compressed,
        } => format!(
            "压缩包条目解压后 {} MB，压缩后仅 {} KB（疑似压缩炸弹），未解压",
            declared >> 20,
            compressed >> 10
        ),
        Check::NestedZip => "压缩包内的压缩包，未打开，请解压后发送".into(),
        Check::ZipDuplicateName { count } => format!(
            "压缩包里有 {count} 个文件同名，只能读取其中一个，其余未读取：请把它们改成不同的名字后重新打包"
        ),
        Check::NotAPhoto { role } => format!("非照片文件（{role}），未作为照片处理"),
        Check::SeenBefore { path, unit } => {
            format!("已在之前的运行中收到（{unit}：{path}），不再重复打包")
        }
        Check::AlreadyPackaged {
            file,
            package,
            unit,
        } => format!("已在包 {package} 中，文件名 {file}，由{unit}报送"),
    }
}

/// A finding's severity.
pub(super) fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "提示",
        Severity::Warn => "警告",
        Severity::Error => "错误",
    }
}

/// What happens to an item.
pub(super) fn status(status: Status) -> &'static str {
    match status {
        Status::Accepted => "通过",
        Status::NeedsInfo => "待补信息",
        Status::Rejected => "不可用",
        Status::Duplicate => "重复",
    }
}

/// A field's column name.
pub(super) fn field_label(field: Field) -> &'static str {
    match field {
        Field::Year => "年份",
        Field::Place => "地州市",
        Field::Event => "活动名称",
        Field::Caption => "图片说明",
        Field::Photographer => "摄影者",
        Field::Unit => "报送单位",
    }
}

/// How one copy is turned or mirrored against another.
pub(super) fn turn(transform: Dihedral) -> &'static str {
    match transform {
        Dihedral::Identity => "方向相同",
        Dihedral::MirrorHorizontal => "左右镜像",
        Dihedral::MirrorVertical => "上下镜像",
        Dihedral::Rotate180 => "旋转 180°",
        Dihedral::Transpose => "沿对角线镜像",
        Dihedral::Rotate90 => "顺时针旋转 90°",
        Dihedral::Rotate270 => "逆时针旋转 90°",
        Dihedral::Transverse => "沿副对角线镜像",
    }
}

/// What a group of copies is.
pub(super) fn group_kind(kind: GroupKind) -> &'static str {
    match kind {
        GroupKind::Identical => "完全相同",
        GroupKind::Duplicate => "同一照片的不同副本",
        GroupKind::Burst => "连拍相似照片",
        GroupKind::Similar => "看起来相似",
    }
}

/// Why a copy was kept, for a `KeepReason` code; any other code reads as the last rule.
pub(super) fn keep_reason(code: &str) -> &'static str {
    match code {
        "intact" => "其他副本文件损坏",
        "more_pixels" => "像素更多",
        "higher_quality" => "压缩更少（JPEG 质量更高）",
        "more_complete_tags" => "信息更完整",
        "original" => "带相机原始信息，其他为另存副本",
        _ => "各份相同，按路径取第一份",
    }
}

/// Why a sheet gave no table.
fn sheet_problem(problem: &SheetProblem) -> String {
    match problem {
        SheetProblem::Unreadable { detail } => read_reason(detail),
        SheetProblem::NotAWorkbook { detail } => format!(
            "文件已损坏或不是 Excel/WPS 表格，无法打开（{detail}），请另存为 xlsx 后重新发送"
        ),
        SheetProblem::TooManyCells {
            format,
            worksheet,
            cells,
            limit,
        } => format!(
            "{}的已用范围有 {cells} 个单元格（{format} 最多读取 {limit} 个），多半是离表格很远处误填了内容：请删除这些单元格，或另存为 xlsx",
            worksheet
                .as_ref()
                .map_or("各工作表合计".to_string(), |w| format!("工作表“{w}”"))
        ),
        SheetProblem::PartTooLarge { part, limit } => format!(
            "表格文件中的 {part} 解压后超过 {} MB，未读取：请删除多余内容后另存为 xlsx，或改用 csv",
            limit >> 20
        ),
        SheetProblem::WorksheetUnreadable { worksheet, detail } => {
            format!("工作表“{worksheet}”无法读取（{detail}），请另存为 xlsx 后重新发送")
        }
        SheetProblem::BadCsv { detail } => format!("CSV 文件格式有误（{detail}），请另存为 xlsx"),
        SheetProblem::NoWorksheet => "工作簿中没有工作表".into(),
        SheetProblem::NoHeader {
            searched,
            worksheets,
        } => {
            let mut text =
                "没有找到表头：需要一行同时写有“文件名”列和至少一个信息列（年份、地点、说明等）"
                    .to_string();
            if worksheets > searched {
                text.push_str(&format!(
                    "（共 {worksheets} 个工作表，只查找了前 {searched} 个）"
                ));
            }
            text
        }
    }
}

/// Why a file or folder could not be read: the system's reason in Chinese, or the size cap.
fn read_reason(reason: &str) -> String {
    match reason
        .strip_prefix("larger than ")
        .and_then(|r| r.strip_suffix(" bytes"))
    {
        Some(limit) => format!("文件超过 {limit} 字节，未读取"),
        None => os_reason(reason),
    }
}

/// What part of a sheet was left unread.
pub(super) fn limit(limit: &Limit) -> String {
    match limit {
        Limit::RowsBeyond {
            sheet,
            last_kept,
            more,
        } => format!(
            "{sheet} 只读取到第 {last_kept} 行（上限 {MAX_ROWS} 行），其后还有 {more} 行未读取，请拆分后重新报送"
        ),
        Limit::CellsOutside {
            sheet,
            count,
            first,
        } => format!(
            "{sheet} 表格范围之外有 {count} 个单元格有内容（第一个在 {first}），未读取；如是误填，请删除"
        ),
    }
}

/// A tag source's label (`TagSource::label`, English) as Chinese messages say it; sheet and
/// note paths, XMP and IPTC names stay as they are.
fn source_zh(label: &str) -> String {
    match label {
        "file name" => "文件名".into(),
        "EXIF DateTimeOriginal" => "相机拍摄日期（EXIF）".into(),
        "drop name" => "提交文件夹名".into(),
        "caption (inferred)" => "图片说明（推断）".into(),
        "EXIF ImageDescription" => "EXIF 图像描述".into(),
        "EXIF Artist" => "EXIF 作者".into(),
        "EXIF UserComment" => "EXIF 用户注释".into(),
        "XPTitle" => "Windows 标题".into(),
        "XPSubject" => "Windows 主题".into(),
        "XPComment" => "Windows 备注".into(),
        "XPAuthor" => "Windows 作者".into(),
        other => match other.strip_prefix("folder ") {
            Some(name) => format!("文件夹 {name}"),
            None => other.to_string(),
        },
    }
}

/// A kind of JPEG a finding names ("12-bit JPEG"), in Chinese.
fn jpeg_kind_zh(format: &str) -> String {
    match format {
        "12-bit JPEG" => "12 位 JPEG".into(),
        "arithmetic-coded JPEG" => "算术编码的 JPEG".into(),
        other => format!(" {other}"),
    }
}

/// What is wrong with a file of a received bag.
pub(super) fn receipt(issue: &Issue) -> String {
    match issue {
        Issue::BadDeclaration => {
            "不是 BagIt 声明（应为 BagIt-Version 与 Tag-File-Character-Encoding）".into()
        }
        Issue::NoManifest => "缺少 manifest-sha256.txt 或 manifest-sha512.txt".into(),
        Issue::BadLine { line } => format!("第 {line} 行不是“校验值 路径”"),
        Issue::Missing { manifest } => format!("缺失（{manifest} 列出了它）"),
        Issue::Extra => "多余文件（清单中没有）".into(),
        Issue::Unlisted { manifest } => format!("{manifest} 中没有它"),
        Issue::Checksum { algorithms } => format!(
            "校验值不符（{}）：文件已损坏或被改动",
            algorithms.join("、")
        ),
        Issue::Unreadable { reason } => format!("无法完整读取：{reason}"),
        Issue::Oxum { expected, found } => {
            format!("Payload-Oxum 为 {expected}，实际为 {found}（字节数.文件数）")
        }
        Issue::Name { rule } => {
            format!("文件名不符合命名规则（年份文件夹/年份+地州市+活动名称+序号.jpg）：{rule}")
        }
        Issue::NotInTable { table } => format!("{table} 中没有这张照片"),
        Issue::RowWithoutFile { table } => format!("{table} 列出了它，但包中没有此文件"),
        Issue::DamagedZip { reason } => format!("zip 已损坏或不完整（可能传输中断）：{reason}"),
    }
}

pub(super) fn broken(broken: &Broken) -> String {
    match broken {
        Broken::DropsMissing { path, reason } => {
            format!(
                "无法打开来稿文件夹 {path}（{}）：请检查路径是否正确",
                os_reason(reason)
            )
        }
        Broken::NotADrop { path } => {
            format!("{path} 既不是文件夹也不是 zip 压缩包：来稿请给出文件夹或 zip 文件")
        }
        Broken::WorkNotWritable { path, reason } => {
            format!(
                "无法创建工作文件夹 {path}（{}）：请用 --out 换一个可写的位置",
                os_reason(reason)
            )
        }
        Broken::CatalogBusy { path, lock } => format!(
            "工作文件夹的目录 {path} 正被另一个 lightbox 使用：请等它结束（若确实没有在运行，可删除 {lock}）"
        ),
        Broken::NoReport { work } => {
            format!("{work} 中没有检查结果（report.json）：请先运行 lightbox run")
        }
        Broken::Unreadable { what, path, reason } => {
            format!(
                "无法读取{} {path}（{}）：请检查路径",
                given(*what),
                os_reason(reason)
            )
        }
        Broken::Invalid { what, path, reason } => {
            format!("{path} 不能用作{}：{reason}", given(*what))
        }
        Broken::CannotListen { address, reason } => format!(
            "无法在 {address} 上提供工作台（{}）：请换一个端口（--listen 127.0.0.1:端口），或不写 --listen 由 lightbox 自选",
            os_reason(reason)
        ),
        Broken::NotWritable { path, reason } => format!(
            "无法写入 {path}（{}）：请用 --to 换一个可写、空间足够的位置",
            os_reason(reason)
        ),
        Broken::PackageNotWritable { to, reason } => format!(
            "无法在 {to} 写入包（{}）：请用 --to 换一个可写、空间足够的位置",
            os_reason(reason)
        ),
    }
}

pub(super) fn refusal(refusal: &Refusal) -> String {
    match refusal {
        Refusal::Door { why } => {
            format!("拒绝访问：{why}。请使用 lightbox serve 打印的地址（含访问令牌）打开。")
        }
        Refusal::NoDrops => "还没有指定来稿文件夹（lightbox serve --drops 文件夹）".into(),
        Refusal::DropMissing { path } => format!("找不到 {path}"),
        Refusal::DropOverlapsWork { path } => {
            format!("{path} 与工作文件夹重叠：来稿要放在工作文件夹之外")
        }
        Refusal::NoResults => "还没有检查结果：请先检查来稿".into(),
        Refusal::BadPartSize { reason } => format!("分卷大小无效：{}", bad_size(reason)),
        Refusal::NoPackage => "还没有包：请先打包".into(),
        Refusal::NotASheet => "只接受 xlsx、xls、ods 或 csv 格式的汇总表".into(),
        Refusal::EmptySheet => "上传的文件是空的".into(),
        Refusal::NoSuchUnit => "上次检查中没有这个单位".into(),
        Refusal::Busy => "已有任务在运行，请等它结束".into(),
        Refusal::NoJob => "没有正在运行的任务".into(),
    }
}

fn given(what: Given) -> &'static str {
    match what {
        Given::Profile => "征集方案",
        Given::Font => "字体",
        Given::Decisions => "审核决定文件",
    }
}

/// The system's reason for a failed file operation, in Chinese where it is one of the common
/// ones (the error number says which); otherwise as the system said it.
fn os_reason(reason: &str) -> String {
    let code = reason.rsplit_once("(os error ").and_then(|(_, n)| {
        n.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<i32>()
            .ok()
    });
    match code {
        Some(2) => "文件或文件夹不存在".into(),
        Some(17) => "已有同名的文件或文件夹".into(),
        Some(13) | Some(1) => "没有权限".into(),
        Some(20) => "路径中有一段不是文件夹".into(),
        Some(21) => "这是一个文件夹，不是文件".into(),
        Some(28) => "磁盘空间不足".into(),
        Some(30) => "只读文件系统".into(),
        Some(36) => "文件名太长".into(),
        Some(98) => "地址已被占用".into(),
        Some(99) => "本机没有这个地址".into(),
        Some(5) => "读写出错（磁盘或网络故障）".into(),
        _ => reason.to_string(),
    }
}

pub(super) fn cli_help(command: &str, item: &str) -> Option<&'static str> {
    Some(match (command, item) {
        ("lightbox", "") => "照片整理：检查各单位报送的照片，查重、审核并打包",
        (_, "lang") => {
            "提示、报告和联系表的语言：zh 中文，en 英文（默认按系统语言：中文系统或未设置时为中文，其他语言为英文）"
        }
        (_, "quiet") => "只显示错误：不显示进度条和汇总",
        (_, "jobs") => "工作线程数（默认：全部处理器核心）",
        (_, "timings") => "运行结束后显示每个阶段的用时及占比",
        (_, "progress_json") => "以 JSON 行输出进度（供 lightbox serve 等程序调用），不输出汇总",
        (_, "help") => "显示帮助",
        (_, "version") => "显示版本",
        ("run", "") => "检查来稿：读取、检查、核对信息、查重，生成报告、联系表和审核页（主要工作）",
        ("run", "drops") => "来稿文件夹（每个子文件夹或 zip 是一个单位的来稿），或单位的 zip 文件",
        ("run", "out") => "工作文件夹：存放报告、缩略图、联系表和审核页",
        ("run" | "package" | "template" | "serve", "profile") => {
            "征集方案文件（TOML）；默认使用内置的 cast-2023"
        }
        ("run", "json") => "以 JSON 输出汇总",
        ("run", "catalog") => "目录数据库（默认：工作文件夹/catalog.sqlite）",
        ("run", "font") => "联系表使用的字体（TrueType/OpenType）；默认使用内置的思源黑体子集",
        ("run", "sheets_by") => {
            "联系表分页：unit 每个单位一页，year 每年一页，event 每个活动一页（默认按征集方案）"
        }
        ("package", "") => "从工作文件夹生成交给中国科协的包",
        ("package", "work") => "lightbox run 的工作文件夹",
        ("package", "to") => "要生成的包文件夹（已存在则整体替换）",
        ("package", "decisions") => "从审核页导出的审核决定（decisions.json；之后保存在目录中）",
        ("package", "split_size") => "分卷：每卷是一个完整的 zip 包，不超过此大小，如 2GB、700MB",
        ("package", "source_organization") => "bag-info.txt 的报送单位（默认取征集方案）",
        ("package", "organization_address") => "bag-info.txt 的单位地址（默认取征集方案）",
        ("package", "contact_name") => "bag-info.txt 的联系人（默认取征集方案）",
        ("package", "contact_phone") => "bag-info.txt 的联系电话（默认取征集方案）",
        ("package", "contact_email") => "bag-info.txt 的电子邮箱（默认取征集方案）",
        ("package", "external_description") => "bag-info.txt 的说明（默认取征集方案）",
        ("package", "title") => "汇总表和图录封面上的标题（默认取征集方案）",
        ("verify", "") => {
            "校验收到的包：结构、每个文件的校验值、有无缺失或多余、命名规则、汇总表与照片是否一致"
        }
        ("verify", "packages") => "包文件夹、分卷所在文件夹，或分卷 zip 文件",
        ("template", "") => "生成单位的补填汇总表（xlsx）：每张照片一行，带缩略图，缺的必填项标黄",
        ("template", "drop") => "一个单位的来稿：文件夹或 zip",
        ("template", "to") => "要写入的汇总表（默认：当前文件夹下的“单位名-汇总表.xlsx”）",
        ("serve", "") => {
            "工作台：在浏览器中完成全部工作（检查并显示进度、审核决定即时保存、补填表、打包）"
        }
        ("serve", "work") => "工作文件夹（默认：主目录下的 lightbox）",
        ("serve", "drops") => "来稿文件夹或 zip（记在工作文件夹中，下次不必再给）",
        ("serve", "listen") => {
            "监听地址（默认 127.0.0.1:0：只供本机，端口自选），如 0.0.0.0:8080 供局域网使用（仍需访问口令）"
        }
        ("serve", "no_browser") => "只显示地址，不自动打开浏览器",
        ("profile", "") => "显示内置的征集方案，或检查一个方案文件",
        ("profile", "check") => "检查这个方案文件，而不是显示内置方案",
        _ => return None,
    })
}

pub(super) fn cli_word(word: &str) -> &'static str {
    match word {
        "usage" => "用法",
        "commands" => "命令",
        "arguments" => "参数",
        "options" => "选项",
        "more" => "（用 lightbox --help 或 lightbox 命令 --help 查看用法）",
        _ => "",
    }
}

/// A command line the parser refused.
pub(super) fn misuse(misuse: &Misuse) -> String {
    let maybe = |suggested: &Option<String>| match suggested {
        Some(s) => format!("（是不是要写 {s}？）"),
        None => String::new(),
    };
    match misuse {
        Misuse::NotOneOf {
            arg,
            value,
            valid,
            suggested,
        } => format!(
            "{arg} 不接受“{value}”，只能是 {}{}",
            valid.join("、"),
            maybe(suggested)
        ),
        Misuse::Invalid { arg, value, why } => {
            let why = match why {
                Unparsed::Size(bad) => bad_size(bad),
                Unparsed::Address => "不是“地址:端口”，请写成 127.0.0.1:8080 这样".into(),
                Unparsed::Number => "不是整数".into(),
                Unparsed::Other(words) => words.clone(),
            };
            if why.is_empty() {
                format!("{arg} 的值“{value}”无效")
            } else {
                format!("{arg} 的值“{value}”无效：{why}")
            }
        }
        Misuse::UnknownOption { arg, suggested } => {
            format!("没有“{arg}”这个选项{}", maybe(suggested))
        }
        Misuse::Unexpected { arg } => format!("多出的参数“{arg}”：这个命令不接受它"),
        Misuse::NoValue { arg } => format!("{arg} 后面缺少值"),
        Misuse::Repeated { arg } => format!("{arg} 只能给一次"),
        Misuse::UnknownCommand {
            name,
            suggested,
            valid,
        } => format!(
            "没有“{name}”这个命令{}；可用的命令：{}",
            maybe(suggested),
            valid.join("、")
        ),
        Misuse::Missing { args } => format!("缺少必需的参数：{}", args.join("、")),
        Misuse::NoCommand => "请给出要执行的命令".into(),
        Misuse::Conflict { arg, with } => match with {
            Some(with) => format!("{arg} 不能与 {with} 同时使用"),
            None => format!("{arg} 不能与其他参数同时使用"),
        },
        Misuse::ValueCount { arg } => format!("{arg} 的值的个数不对"),
        Misuse::NotUtf8 => "参数中有无法识别的字符（不是 UTF-8）".into(),
        Misuse::Other => "命令行有误".into(),
    }
}

/// What the sniffer found a file that is not a picture to be (`imaging::decode::sniff`'s
/// names); a name it does not know, as it is.
fn detected_zh(detected: &str) -> String {
    match detected {
        "PDF" => " PDF 文档".into(),
        "zip / Office document" => " zip 压缩包或 Office 文档（docx、xlsx 等）".into(),
        "Office 97-2003 document" => " Office 97-2003 文档（doc、xls 等）".into(),
        "video (MP4/MOV)" => "视频（MP4/MOV）".into(),
        "HTML" => "网页（HTML）".into(),
        "text" => "文本".into(),
        "unknown data" => "无法识别的数据".into(),
        other => format!(" {other}"),
    }
}

/// Where a picture's coded data is damaged.
pub(super) fn damage(damage: &Damage) -> String {
    match damage {
        Damage::EndsEarly { unit, count } => {
            format!("编码数据只有 {count} 个块（或块组）中的前 {unit} 个")
        }
        Damage::LeftOver { bytes } => format!("最后一个块之后多出 {bytes} 字节编码数据"),
        Damage::UnknownCode { at } => format!("第 {at} 字节处的编码在霍夫曼表中不存在"),
        Damage::ShortTable => "霍夫曼表的编码数多于它的值".into(),
        Damage::RestartMissing { marker, at } => {
            format!("第 {at} 字节处缺少第 {marker} 号重启标记")
        }
        Damage::DcTooLong { bits } => format!("直流差值长 {bits} 位，超出可能的范围"),
        Damage::TooManyCoefficients { count } => format!("一个块有 {count} 个系数，超过 64 个"),
        Damage::Decoder { message } => format!("解码器报告：{message}"),
    }
}

/// Why a typed size cannot be read.
pub(super) fn bad_size(bad: &BadSize) -> String {
    match bad {
        BadSize::NotANumber { text } => format!("“{text}”不是大小：请写成 700MB、4GB 这样"),
        BadSize::UnknownUnit { text, unit } => format!(
            "“{text}”的单位“{unit}”看不懂：请用 KB、MB、GB（或 KiB、MiB、GiB），如 700MB、4GB"
        ),
        BadSize::NotPositive { text } => format!("“{text}”不是正的大小"),
    }
}

/// A command that could not finish: the steps that broke, outermost first, then what broke
/// them, after "could not finish".
pub(super) fn failure(steps: &[String], causes: &[String]) -> String {
    let mut text = String::from("无法完成：");
    text.push_str(&steps.join("，"));
    if !steps.is_empty() && !causes.is_empty() {
        text.push('：');
    }
    text.push_str(&causes.join("："));
    text
}

/// What a command was doing when it broke.
pub(super) fn step(step: &Step) -> String {
    match step {
        Step::Create(p) => format!("创建 {}", p.display()),
        Step::Write(p) => format!("写入 {}", p.display()),
        Step::Read(p) => format!("读取 {}", p.display()),
        Step::List(p) => format!("列出 {} 的内容", p.display()),
        Step::Remove(p) => format!("删除 {}", p.display()),
        Step::Resolve(p) => format!("确定 {} 的完整路径", p.display()),
        Step::TempFile(p) => format!("在 {} 中建临时文件", p.display()),
        Step::Stage(p) => format!("在 {} 旁建暂存文件夹", p.display()),
        Step::Place(p) => format!("把做好的结果移到 {}", p.display()),
        Step::Tidy(p) => format!("清理 {} 中上次中断留下的文件", p.display()),
        Step::OpenJournal(p) => format!("打开 {} 中的崩溃记录", p.display()),
        Step::CloseJournal(p) => format!("关闭 {} 中的崩溃记录", p.display()),
        Step::Sheet(name) => format!("生成联系表 {name}"),
        Step::Build(p) => format!("生成 {}", p.display()),
        Step::IntoZip { name, zip } => format!("把 {name} 写入 {}", zip.display()),
        Step::IntoPart { name, part } => format!("把 {name} 放入第 {part} 卷"),
        Step::Package { work, to } => {
            format!("把 {} 的结果打包到 {}", work.display(), to.display())
        }
        Step::WritePackage(p) => format!("写入包 {}", p.display()),
        Step::WriteParts(p) => format!("写入包的分卷 {}", p.display()),
        Step::ReadBack => "从临时文件读回记录".into(),
        Step::SaveDecisions => "保存审核决定".into(),
    }
}

/// The system's reason for refusing a file operation.
pub(super) fn io_reason(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let text = error.to_string();
    let said = os_reason(&text);
    if said != text {
        return said;
    }
    match error.kind() {
        ErrorKind::NotFound => "文件或文件夹不存在".into(),
        ErrorKind::PermissionDenied => "没有权限".into(),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => "磁盘空间不足".into(),
        ErrorKind::ReadOnlyFilesystem => "只读文件系统".into(),
        ErrorKind::FileTooLarge => "文件太大".into(),
        ErrorKind::AlreadyExists => "已经存在".into(),
        ErrorKind::UnexpectedEof => "文件意外结束".into(),
        ErrorKind::InvalidData => format!("数据无效（{text}）"),
        _ => text,
    }
}

/// Why the catalog cannot be used.
pub(super) fn catalog_error(error: &CatalogError) -> String {
    match error {
        CatalogError::Locked { path, lock } => broken(&Broken::CatalogBusy {
            path: path.clone(),
            lock: lock.clone(),
        }),
        CatalogError::Database { path, .. } => format!("目录数据库 {path}"),
        CatalogError::Io { path, .. } => format!("目录的锁文件 {path}"),
        CatalogError::Entries { .. } => "读取要记入目录的内容".into(),
        CatalogError::Schema { path, found } => format!(
            "目录 {path} 的格式版本是 {found}，本程序只读取 {}：请用新的 --catalog 文件",
            crate::catalog::SCHEMA_VERSION
        ),
    }
}

/// A fixed word or phrase.
pub(super) fn label(label: Label) -> &'static str {
    match label {
        Label::DeskTitle => "照片整理 · lightbox",
        Label::FixList => "问题清单",
        Label::PhotosSheet => "照片清单",
        Label::CountsSheet => "统计",
        Label::AboutSheet => "说明",
        Label::NoThumbnail => "无缩略图",
        Label::Unknown => "（不详）",
        Label::Total => "合计",
        Label::YearByPlace => "年份 \\ 地州市",
        Label::Unit => "报送单位",
        Label::Photos => "照片数",
        Label::ThePackage => "包的信息",
        Label::Collection => "集合名称",
        Label::SourceOrganization => "来源机构",
        Label::PackageDate => "打包日期",
        Label::Part => "分卷",
        Label::WholeBag => "全部（不分卷）",
        Label::Units => "报送单位数",
        Label::Years => "年份",
        Label::PhotosInWholePackage => "整个包的照片数",
        Label::Note => "注",
        Label::NoPhotosInPart => "本包（本部分）没有照片",
        Label::YearUnknown => "年份不详",
        Label::Catalogue => "图录",
        Label::Contents => "目录",
        Label::NoPhotos => "（没有照片）",
        Label::EmptyPackage => "本包没有照片",
        Label::NoPreview => "无预览",
        Label::NoCaption => "（无图片说明）",
        Label::PhotographerIs => "摄影：",
        Label::UnitIs => "报送单位：",
        Label::FileIs => "文件名：",
        Label::CannotPreview => "无法预览",
        Label::Burst => "连拍",
        Label::Unknowable => "？",
        Label::CaptionMissing => "（缺图片说明）",
        Label::NoYear => "年份不详",
        Label::NoEvent => "活动名称不详",
        Label::TemplateSheet => "汇总表",
    }
}

/// A heading or line with values in it.
pub(super) fn phrase(phrase: &Phrase) -> String {
    let whole = |whole: bool| if whole { "（整个包）" } else { "" };
    match *phrase {
        Phrase::Part { number, of } => format!("第 {number} 部分，共 {of} 部分"),
        Phrase::Counts {
            photos,
            units,
            years,
            span,
        } => {
            let span = match span {
                "" => String::new(),
                span => format!("（{span}）"),
            };
            format!("照片 {photos} 张 · 报送单位 {units} 个 · 年份 {years} 个{span}")
        }
        Phrase::Year { year: 0, photos } => format!("年份不详 · {photos} 张"),
        Phrase::Year { year, photos } => format!("{year} 年 · {photos} 张"),
        Phrase::PhotosByYearAndPlace { whole: w } => {
            format!("按年份和地州市统计照片数{}", whole(w))
        }
        Phrase::PhotosByUnit { whole: w } => format!("按报送单位统计照片数{}", whole(w)),
        Phrase::Columns { photos, counts } => {
            format!("“{photos}”各列的含义（“{counts}”按年份、地州市和报送单位统计）")
        }
        Phrase::Page { page, pages } => format!("第 {page}/{pages} 页"),
        Phrase::Statuses {
            files,
            accepted,
            needs_info,
            rejected,
            duplicates,
        } => format!(
            "共 {files} 个文件 · 通过 {accepted} · 待补信息 {needs_info} · 不可用 {rejected} · 重复 {duplicates}"
        ),
        Phrase::ReviewTitle { profile } => format!("照片审核 · {profile}"),
        Phrase::TemplateHeading { units } => format!(
            "{} 照片信息汇总表（请补全黄色单元格；请勿修改“内容标识”列）",
            units.join("、")
        ),
    }
}

/// A line the CLI prints when a command ends.
pub(super) fn summary(summary: &Summary) -> String {
    match *summary {
        Summary::Files {
            files,
            accepted,
            needs_info,
            rejected,
            duplicates,
            groups,
        } => format!(
            "共 {files} 个文件：通过 {accepted}，待补信息 {needs_info}，不可用 {rejected}，重复 {duplicates}（{groups} 组）"
        ),
        Summary::ErrorsByReason => "错误（按原因）：".into(),
        Summary::Problems { count } => format!("文件夹、压缩包或汇总表问题：{count}"),
        Summary::Read {
            read,
            unchanged,
            same_bytes,
        } => {
            let copies = match same_bytes {
                0 => String::new(),
                n => format!("；{n} 个与已检查过的文件字节相同（未重新解码）"),
            };
            format!("本次读取 {read} 个文件，{unchanged} 个未改变（未重读）{copies}")
        }
        Summary::Report { path } => format!("报告: {}", path.display()),
        Summary::Packaged { photos, to } => format!("已打包 {photos} 张照片到 {}", to.display()),
        Summary::Package {
            identifier,
            follows: Some(follows),
        } => format!("包标识 {identifier}（接续 {follows}）"),
        Summary::Package {
            identifier,
            follows: None,
        } => format!("包标识 {identifier}（首个包）"),
        Summary::CannotRead { path, reason } => format!("无法读取 {path}：{}", os_reason(reason)),
        Summary::Checked {
            bag,
            part,
            files,
            bytes,
        } => {
            let part = part.map(|p| format!(" [{p}]")).unwrap_or_default();
            format!("已检查 {bag}{part}：{files} 个文件，{bytes} 字节")
        }
        Summary::Intact => "完整：所有文件齐全，校验值一致".into(),
        Summary::Damaged { findings } => format!("有问题：{findings} 处"),
        Summary::Unverified => "有无法读取的输入".into(),
        Summary::TemplateWritten { to, rows, missing } => format!(
            "已写入 {}：{rows} 张照片，{missing} 个必填单元格待补（黄色）",
            to.display()
        ),
        Summary::ProfileOk { path, name } => {
            format!("{}：征集方案可用（{name}）", path.display())
        }
        Summary::DeskReady { url } => format!("照片整理已启动，请在浏览器中打开：\n{url}"),
    }
}

/// Why a package leaves a candidate photo out.
pub(super) fn left_out(left_out: &LeftOut) -> String {
    match *left_out {
        LeftOut::CuratorRejected => "审核人不采用".into(),
        LeftOut::CuratorKept { path } => format!("审核人改为保留 {path}"),
        LeftOut::AcceptedWithErrors => "审核人采用，但仍有错误未解决，请单位补齐".into(),
        LeftOut::DistinctWithErrors { errors } => format!(
            "审核人认定不是同一张照片，但仍有错误未解决，请单位补齐：{}",
            errors.join("；")
        ),
        LeftOut::SourceChanged => "原文件在运行后已改变，请重新运行 lightbox run".into(),
    }
}

/// What to do about a broken run.
pub(super) fn hint(hint: Hint) -> &'static str {
    match hint {
        Hint::NoRoom => {
            "磁盘空间不足：请腾出空间，或用 --out / --to 指向空间更大的磁盘，然后重新运行。未写完的输出已丢弃，已有的文件没有改动。"
        }
        Hint::NotWritable => {
            "无法写入该位置：请用 --out / --to 换一个可写的文件夹，或修改其权限，然后重新运行。"
        }
    }
}

/// A column's header in the 汇总表's photo list.
pub(super) fn photo_column(column: PhotoColumn) -> &'static str {
    match column {
        PhotoColumn::Number => "序号",
        PhotoColumn::Thumbnail => "缩略图",
        PhotoColumn::File => "文件名",
        PhotoColumn::Year => "年份",
        PhotoColumn::Place => "地州市",
        PhotoColumn::County => "区县",
        PhotoColumn::Event => "活动名称",
        PhotoColumn::Caption => "图片说明",
        PhotoColumn::Photographer => "摄影者",
        PhotoColumn::Unit => "报送单位",
        PhotoColumn::Pixels => "像素（宽×高）",
        PhotoColumn::Bytes => "文件大小（字节）",
        PhotoColumn::Sha256 => "SHA-256",
    }
}

/// What a column of the 汇总表's photo list holds.
pub(super) fn photo_column_about(column: PhotoColumn) -> &'static str {
    match column {
        PhotoColumn::Number => "照片在本表中的顺序",
        PhotoColumn::Thumbnail => "照片的小图，仅供辨认",
        PhotoColumn::File => "照片在包内的路径：年份文件夹/文件名，以 / 分隔",
        PhotoColumn::Year => "拍摄年份",
        PhotoColumn::Place => "拍摄地所在的地州市",
        PhotoColumn::County => "拍摄地所在的区县（报送时注明的）",
        PhotoColumn::Event => "照片所属的活动",
        PhotoColumn::Caption => "单位提供的图片说明（全文）",
        PhotoColumn::Photographer => "摄影者姓名",
        PhotoColumn::Unit => "报送照片的单位",
        PhotoColumn::Pixels => "包内文件的宽和高，单位为像素",
        PhotoColumn::Bytes => "包内文件的字节数",
        PhotoColumn::Sha256 => "包内文件的 SHA-256 校验值（与 sha256sums.txt 相同）",
    }
}

/// A column's header in the fill-in template.
pub(super) fn template_column(column: TemplateColumn) -> &'static str {
    match column {
        TemplateColumn::Number => "序号",
        TemplateColumn::Thumbnail => "缩略图",
        TemplateColumn::File => "文件名",
        TemplateColumn::Year => "年份",
        TemplateColumn::Place => "地州市",
        TemplateColumn::Event => "活动名称",
        TemplateColumn::Caption => "图片说明",
        TemplateColumn::Photographer => "摄影者",
        TemplateColumn::Unit => "报送单位",
        TemplateColumn::Contact => "联系人",
        TemplateColumn::Problems => "问题",
        TemplateColumn::Content => "内容标识",
    }
}

/// The header of `findings.csv`.
pub(super) fn findings_header() -> [&'static str; 6] {
    ["序号", "级别", "报送单位", "文件", "检查项", "说明"]
}

/// The header of `manifest.csv`.
pub(super) fn manifest_header() -> [&'static str; 16] {
    [
        "文件名",
        "年份",
        "地州市",
        "区县",
        "活动名称",
        "图片说明",
        "摄影者",
        "报送单位",
        "原文件名",
        "宽",
        "高",
        "字节",
        "格式转换",
        "SHA-256",
        "内容哈希(BLAKE3)",
        "信息来源",
    ]
}

/// The header of a run's table of units.
pub(super) fn units_header() -> [&'static str; 6] {
    ["单位", "文件", "通过", "待补", "不可用", "重复"]
}

/// The words of the timings table.
pub(super) fn timings() -> TableWords {
    TableWords {
        head: ["阶段", "秒", "占比", "处理器秒", "占比"],
        other: "其他",
        total: "合计",
    }
}
