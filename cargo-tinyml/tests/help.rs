//! `--help` teaches: snapshot the help of the CLI and of every subcommand.

use clap::CommandFactory;

fn help(path: &[&str]) -> String {
    let mut cmd = cargo_tinyml::Cli::command().term_width(100);
    cmd.build();
    let mut cur = &mut cmd;
    for name in path {
        cur = cur.find_subcommand_mut(name).unwrap_or_else(|| panic!("no subcommand {name}"));
    }
    cur.render_long_help().to_string()
}

#[test]
fn help_snapshots() {
    for path in [
        &[][..],
        &["new"],
        &["boards"],
        &["run"],
        &["doctor"],
        &["analyze"],
        &["validate"],
        &["convert"],
        &["flash"],
        &["profile"],
        &["features"],
    ] {
        let name = if path.is_empty() { "top".to_owned() } else { path.join("_") };
        insta::assert_snapshot!(format!("help_{name}"), help(path));
    }
}

#[test]
fn top_level_help_lists_the_commands() {
    let h = help(&[]);
    for name in ["new", "boards", "run", "doctor", "analyze", "validate", "convert", "flash", "profile", "features"] {
        assert!(h.contains(&format!("\n  {name} ")), "{name} missing from:\n{h}");
    }
}
