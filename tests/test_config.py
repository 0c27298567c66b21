from pathlib import Path

import pytest

from reelcart.config import Preset, describe_preset, load_preset, parse_set_option, preset_files
from reelcart.errors import ConfigError


def test_builtin_presets_load_and_differ():
    names = set(preset_files())
    assert {"default", "tiktok", "reels", "shorts"} <= names
    tiktok = load_preset("tiktok")
    assert tiktok.name == "tiktok" and tiktok.package.platform == "tiktok"
    assert load_preset("shorts").captions.style == "karaoke"
    # extends: default values survive where the preset is silent
    assert tiktok.render.width_px == 1080 and tiktok.moments.count == 3


def test_precedence_defaults_preset_cli(tmp_path: Path):
    custom = tmp_path / "mine.yaml"
    custom.write_text("extends: reels\nname: mine\ncaptions:\n  font_size_px: 90\n  style: clean\n")
    preset = load_preset(str(custom), [parse_set_option("captions.style=karaoke")])
    assert preset.captions.font_size_px == 90  # from the file
    assert preset.captions.style == "karaoke"  # command line wins
    assert preset.package.platform == "reels"  # inherited
    assert preset.render.fps == 30  # built-in default


def test_unknown_key_names_field_and_line(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncaptions:\n  style: pop\n  colour_of_text: red\n")
    with pytest.raises(ConfigError) as err:
        load_preset(str(bad))
    msg = str(err.value)
    assert "bad.yaml" in msg and "captions.colour_of_text" in msg and "line 4" in msg and "unknown field" in msg


def test_wrong_type_names_field(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("moments:\n  count: lots\n")
    with pytest.raises(ConfigError, match=r"line 2: field 'moments.count'"):
        load_preset(str(bad))


def test_broken_yaml_names_line(tmp_path: Path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: x\ncaptions: [unclosed\n")
    with pytest.raises(ConfigError, match=r"broken.yaml: line \d+: broken YAML"):
        load_preset(str(bad))


def test_yaml_is_loaded_safely(tmp_path: Path):
    bad = tmp_path / "evil.yaml"
    bad.write_text("name: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ConfigError, match="broken YAML"):
        load_preset(str(bad))


def test_unknown_preset_lists_builtins():
    with pytest.raises(ConfigError, match="unknown preset 'nope'.*default"):
        load_preset("nope")


def test_set_option_values():
    assert parse_set_option("captions.highlight_colour=#00FF00") == {"captions": {"highlight_colour": "#00FF00"}}
    assert parse_set_option("moments.count=2") == {"moments": {"count": 2}}
    assert parse_set_option("package.hashtags=[\"#a\", \"#b\"]") == {"package": {"hashtags": ["#a", "#b"]}}
    assert parse_set_option("transcribe.language=") == {"transcribe": {"language": None}}


def test_set_option_errors():
    with pytest.raises(ConfigError):
        parse_set_option("no-equals-sign")
    with pytest.raises(ConfigError, match="command-line option field 'render.crf'"):
        load_preset("default", [parse_set_option("render.crf=99")])


def test_describe_lists_every_field_with_description():
    rows = describe_preset(Preset())
    fields = {r[0] for r in rows}
    assert "captions.highlight_colour" in fields and "moments.lookback_max_s" in fields
    assert all(desc for _, _, desc in rows), [r for r in rows if not r[2]]
