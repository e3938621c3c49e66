"""The language guardrail: a detector of languages and scripts per message, judged against a policy."""

from __future__ import annotations

from hadron.tasks.agentic.language import LanguagePolicy, check_messages, detect, script_shares

RECAP = LanguagePolicy(allowed={"zh": 0.4}, description="English first, short Chinese recap allowed")
ENGLISH_THEN_RECAP = (
    "I removed the pip cache under /home/ci/.cache and /home is at 12% again. Your project "
    "files were not touched.\n\n总结：已清理缓存，项目文件没有删除。"
)


def test_detects_languages_and_scripts_by_letter_share() -> None:
    shares, first, last = detect(ENGLISH_THEN_RECAP)
    assert first == "en" and last == "zh" and shares["en"] > 0.6 and 0.1 < shares["zh"] < 0.4
    assert script_shares("abc 中文") == {"Latin": 0.6, "Han": 0.4}
    assert detect("Run `df -h` and then `du -sh /var/*` please, it shows what fills the disk.")[0] == {
        "en": 1.0
    }


def test_english_first_with_a_short_recap_passes() -> None:
    report = check_messages([{"role": "assistant", "content": ENGLISH_THEN_RECAP}], RECAP)
    assert report.ok, report.violations
    assert report.messages[0].scripts["Han"] > 0


def test_policy_violations_are_named() -> None:
    messages = [
        {
            "role": "user",
            "content": "请帮忙清理一下空间，但不要删项目文件，谢谢你的帮助。",
        },  # users are not judged
        {
            "role": "assistant",
            "content": "总结：已清理缓存，项目文件没有删除。I removed the pip cache for you, all good.",
        },
        {
            "role": "assistant",
            "content": "已清理缓存，项目文件没有删除。磁盘使用率现在是百分之十二。服务已经正常运行了。",
        },
        {"role": "assistant", "content": "J'ai supprimé le cache de pip et le disque est de nouveau libre."},
        {"role": "assistant", "content": "Done."},  # too short to judge
    ]
    report = check_messages(messages, RECAP)
    assert [m.index for m in report.messages] == [1, 2, 3]
    text = "\n".join(report.violations)
    assert "message 1 (assistant): opens in 'zh'" in text
    assert "message 2 (assistant): 100% of the text is 'zh' (at most 40% allowed)" in text
    assert "message 3 (assistant): 100% of the text is 'fr' (not allowed)" in text
    assert not check_messages(messages[1:2], LanguagePolicy()).ok  # English only: no Chinese at all


REQUIRED = LanguagePolicy.english_first_chinese_recap()


def test_a_required_recap_is_checked_on_every_reply() -> None:
    messages = [
        {"role": "user", "content": "My disk is full, can you clean the pip cache please?"},
        {
            "role": "assistant",
            "content": "Let me look at the disk usage first before deleting anything.",
            "tool_calls": [{"id": "c0", "type": "function", "function": {"name": "run", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c0", "content": "ok"},
        {"role": "assistant", "content": ENGLISH_THEN_RECAP},
        {"role": "user", "content": "Thanks, and the logs too?"},
        {
            "role": "assistant",
            "content": "The logs under /var/log/app were rotated and compressed, so they "
            "take 40 MB now instead of 9 GB.",
        },
    ]
    report = check_messages(messages, REQUIRED)
    assert report.violations == ["message 5 (assistant): does not end with the required recap in 'zh'"]
    # the same reply passes once it closes with the recap; a tool-calling turn never needs one
    messages[5]["content"] += "\n总结：日志已经压缩，现在只占四十兆。"
    assert check_messages(messages, REQUIRED).ok
    assert "recap in zh is required" in LanguagePolicy(recap="zh").summary()
