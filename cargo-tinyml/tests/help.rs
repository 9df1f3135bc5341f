//! `--help` teaches: snapshot the help of the CLI and of each command this crate's CLI
//! engineer owns (others snapshot their own).

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
    for path in [&["new"][..], &["boards"], &["run"], &["doctor"]] {
        insta::assert_snapshot!(format!("help_{}", path.join("_")), help(path));
    }
}

#[test]
fn top_level_help_lists_the_commands() {
    let h = help(&[]);
    for name in ["new", "boards", "run", "doctor"] {
        assert!(h.contains(&format!("\n  {name} ")), "{name} missing from:\n{h}");
    }
}
