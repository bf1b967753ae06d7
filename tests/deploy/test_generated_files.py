"""The generators' shared command line (devtools.generated_files): write, or --check only."""

from devtools.generated_files import command_line


def test_check_names_a_stale_file_and_the_make_target_without_writing_it(tmp_path, capsys):
    target = tmp_path / "rules.yml"
    target.write_text("old\n")
    assert command_line("gen", lambda: {target: "new\n"}, "make slo", ["--check"]) == 1
    assert "rules.yml is out of date: run 'make slo'" in capsys.readouterr().err
    assert target.read_text() == "old\n"


def test_without_check_it_writes_what_changed_and_then_reports_up_to_date(tmp_path, capsys):
    target = tmp_path / "dashboard.json"
    assert command_line("gen", lambda: {target: "{}\n"}, "make dashboards", []) == 0
    assert target.read_text() == "{}\n"
    assert command_line("gen", lambda: {target: "{}\n"}, "make dashboards", ["--check"]) == 0
    assert "up to date" in capsys.readouterr().out
