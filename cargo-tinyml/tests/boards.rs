//! Board files: every file loads and validates, regions are disjoint, the generated
//! `memory.x` and `.cargo/config.toml` match the board data, and bad files are refused.

use cargo_tinyml::boards::{Board, BoardError, Catalog, RegionKind, BUILTIN};
use std::path::Path;

fn boards_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../boards")
}

#[test]
fn every_board_file_is_embedded_loads_and_validates() {
    let mut on_disk: Vec<String> = std::fs::read_dir(boards_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = BUILTIN.iter().map(|(f, _)| f.to_string()).collect();
    embedded.sort();
    assert_eq!(on_disk, embedded, "build.rs embeds every boards/*.toml as boards::BUILTIN");
    for file in &on_disk {
        let text = std::fs::read_to_string(boards_dir().join(file)).unwrap();
        let board = Board::from_toml(&text, file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format!("{}.toml", board.name), *file, "file name must be the board name");
    }
    let catalog = Catalog::builtin().unwrap();
    let names: Vec<&str> = catalog.boards.iter().map(|b| b.name.as_str()).collect();
    // Emulated boards first, then hardware with a Rust target, then C projects; the higher
    // Cortex-M number first within each (`Board::flow`, not the file names, decides).
    assert_eq!(
        names,
        [
            "mps3-an547",
            "mps2-an505",
            "mps2-an386",
            "kit-pse84-eval",
            "stm32n6570-dk",
            "frdm-mcxn947",
            "launchxl-f28p55x"
        ]
    );
}

#[test]
fn regions_are_disjoint_and_one_flash_one_ram() {
    for board in Catalog::builtin().unwrap().boards {
        for (i, a) in board.memory.iter().enumerate() {
            for b in &board.memory[i + 1..] {
                let disjoint = a.origin + a.length <= b.origin || b.origin + b.length <= a.origin;
                assert!(disjoint, "{}: {} and {} overlap", board.name, a.name, b.name);
            }
        }
        assert_eq!(board.memory.iter().filter(|r| r.kind == RegionKind::Flash).count(), 1, "{}", board.name);
        assert_eq!(board.memory.iter().filter(|r| r.kind == RegionKind::Ram).count(), 1, "{}", board.name);
        assert!(board.clock_hz > 0);
    }
}

fn parse_size(s: &str) -> u64 {
    if let Some(k) = s.strip_suffix('K') {
        k.parse::<u64>().unwrap() << 10
    } else if let Some(m) = s.strip_suffix('M') {
        m.parse::<u64>().unwrap() << 20
    } else {
        s.parse().unwrap()
    }
}

#[test]
fn memory_x_matches_the_board_file() {
    // Boards without a Rust target (C28x) get a C project and no memory.x.
    for board in Catalog::builtin().unwrap().boards.into_iter().filter(|b| b.target.is_some()) {
        let text = board.memory_x();
        let mut seen = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| l.contains("ORIGIN")) {
            // FLASH : ORIGIN = 0x00000000, LENGTH = 512K
            let (label, rest) = line.split_once(':').unwrap();
            let origin = rest.split("ORIGIN = ").nth(1).unwrap().split(',').next().unwrap();
            let length = rest.split("LENGTH = ").nth(1).unwrap().trim();
            let origin = u64::from_str_radix(origin.trim_start_matches("0x"), 16).unwrap();
            seen.push((label.trim().to_owned(), origin, parse_size(length)));
        }
        let want = vec![
            ("FLASH".to_owned(), board.flash().origin, board.flash().length),
            ("RAM".to_owned(), board.ram().origin, board.ram().length),
        ];
        assert_eq!(seen, want, "{}", board.name);
    }
}

#[test]
fn emulated_boards_boot_from_the_vector_table_address() {
    // QEMU reads the vector table at 0x0 (AN547, AN386) or at SVTOR 0x1000_0000 (AN505,
    // which boots secure); cortex-m-rt puts it at the start of FLASH.
    let catalog = Catalog::builtin().unwrap();
    for (name, vtor) in [("mps3-an547", 0x0), ("mps2-an386", 0x0), ("mps2-an505", 0x1000_0000)] {
        assert_eq!(catalog.get(name).unwrap().flash().origin, vtor, "{name}");
    }
}

#[test]
fn generated_linker_and_cargo_config_snapshots() {
    for board in Catalog::builtin().unwrap().boards.into_iter().filter(|b| b.target.is_some()) {
        insta::assert_snapshot!(format!("memory_x_{}", board.name), board.memory_x());
        insta::assert_snapshot!(format!("cargo_config_{}", board.name), board.cargo_config());
    }
}

#[test]
fn boards_table_snapshot() {
    let catalog = Catalog::builtin().unwrap();
    insta::assert_snapshot!("boards_table", cargo_tinyml::cmd::boards::table(&catalog.boards, false));
    insta::assert_snapshot!("boards_table_verbose", cargo_tinyml::cmd::boards::table(&catalog.boards, true));
    let json = serde_json::to_value(&catalog.boards).unwrap();
    assert_eq!(json.as_array().unwrap().len(), catalog.boards.len());
    assert_eq!(json[0]["name"], "mps3-an547");
    assert_eq!(json[0]["emulator"]["machine"], "mps3-an547");
}

fn an547_text() -> String {
    BUILTIN.iter().find(|(f, _)| *f == "mps3-an547.toml").unwrap().1.to_owned()
}

fn invalid(text: &str) -> String {
    match Board::from_toml(text, "test.toml") {
        Err(e @ (BoardError::Parse { .. } | BoardError::Invalid { .. })) => e.to_string(),
        other => panic!("expected a parse or validation error, got {other:?}"),
    }
}

#[test]
fn bad_board_files_are_refused() {
    let base = an547_text();
    let e = invalid(&base.replace("clock_hz = 32_000_000", "clock_hz = 32_000_000\nclok = 1"));
    assert!(e.contains("unknown field"), "{e}");
    let e = invalid(&base.replace("clock_hz = 32_000_000", "clock_hz = 0"));
    assert!(e.contains("clock_hz"), "{e}");
    let e = invalid(&base.replace("origin = 0x0100_0000", "origin = 0x0004_0000"));
    assert!(e.contains("overlap"), "{e}");
    let e = invalid(&base.replace("kind = \"other\"\norigin = 0x0100_0000", "kind = \"flash\"\norigin = 0x0100_0000"));
    assert!(e.contains("exactly one memory region"), "{e}");
    let e = invalid(&base.replace("target = \"thumbv8m.main-none-eabihf\"\n", ""));
    assert!(e.contains("target"), "{e}");
    let e = invalid(&base.replace("[emulator]", "[emulator_]"));
    assert!(e.contains("emulator"), "{e}");
    // The first region of the file is the ITCM, the flash one.
    let e = invalid(&base.replacen(
        "length = 0x0008_0000 # 512 KiB\n",
        "length = 0x0008_0000 # 512 KiB\nspeed = \"tcm\"\n",
        1,
    ));
    assert!(e.contains("ITCM is flash: `speed`"), "{e}");
    let e = invalid(&base.replace("speed = \"tcm\"", "speed = \"fast\""));
    assert!(e.contains("unknown variant"), "{e}");
}

#[test]
fn the_arena_fills_regions_fastest_first() {
    let catalog = Catalog::builtin().unwrap();
    let order = |name: &str| -> Vec<String> {
        catalog.get(name).unwrap().arena_regions().iter().map(|(r, s)| format!("{} {}", r.name, s.as_str())).collect()
    };
    assert_eq!(order("mps3-an547"), ["DTCM tcm", "SRAM sram", "ISRAM sram"]);
    assert_eq!(order("kit-pse84-eval"), ["DTCM tcm", "SRAM sram", "SOCMEM sram"]);
    // Every board's `ram` region comes first: today's link, when the arena fits it.
    for board in catalog.boards.iter().filter(|b| b.target.is_some()) {
        assert_eq!(board.arena_regions()[0].0.name, board.ram().name, "{}", board.name);
    }
}

#[test]
fn user_boards_extend_and_replace_builtin_ones() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("user-boards");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mine = an547_text().replace("name = \"mps3-an547\"", "name = \"my-an547\"");
    std::fs::write(dir.join("my-an547.toml"), mine).unwrap();
    let mut catalog = Catalog::builtin().unwrap();
    let builtin = catalog.boards.len();
    catalog.add_dir(&dir).unwrap();
    assert_eq!(catalog.boards.len(), builtin + 1);
    assert!(catalog.get("my-an547").unwrap().is_emulated());
    match catalog.get("nope") {
        Err(e @ BoardError::Unknown { .. }) => assert!(e.to_string().contains("mps3-an547, mps2-an505")),
        other => panic!("{other:?}"),
    }
}
