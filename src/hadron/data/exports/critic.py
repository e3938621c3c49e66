"""Critic triples as SFT conversations a model can train on: one (task + draft → critique) and one
(task + draft + critique → revision) per triple.

The flat triple stays the native ``critic`` record; these are the ``critic_sft`` kind, written by the
same TRL / OpenAI / ShareGPT renderers as any SFT conversation. The instructions are fixed text (below)
so a trained critic or reviser can be prompted the same way.
"""

from __future__ import annotations

from hadron.data.exports.extraction import Extraction
from hadron.data.exports.records import Conversation, CriticTriple, text_message

CRITIQUE_ASK = ("Task:\n{prompt}\n\nResponse:\n{draft}\n\n"
                "List the real problems in the response, most important first.")
REVISE_ASK = ("Task:\n{prompt}\n\nResponse:\n{draft}\n\nA reviewer found these problems in the response:\n"
              "{critique}\n\nRewrite the response so that it fixes them.")


def critic_conversations(triples: Extraction[CriticTriple]) -> Extraction[Conversation]:
    """Two SFT conversations per triple (critique, then revision); the triples' skips carry over."""
    out: Extraction[Conversation] = Extraction(skipped=triples.skipped.copy())
    for triple in triples.records:
        fields = {"prompt": triple.prompt, "draft": triple.draft, "critique": triple.critique}
        out.records.append(Conversation(row_id=triple.row_id, messages=[
            text_message("user", CRITIQUE_ASK.format(**fields)),
            text_message("assistant", triple.critique)]))
        out.records.append(Conversation(row_id=triple.row_id, messages=[
            text_message("user", REVISE_ASK.format(**fields)),
            text_message("assistant", triple.revision)]))
    return out
