"""The optional reranker seam: a tiny CrossEncoder built here from a random BERT config (no
download), and a ``/rerank`` endpoint played by the scripted loopback server. Off by default."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.rerank import CrossEncoderReranker, HttpReranker, build_reranker, safe_scores
from assistant.rule import Ruler
from tests.scripted_llm_server import ScriptedLLMServer

pytestmark = [pytest.mark.slow]

QUESTION = "can i follow my students on tiktok"


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    """A 1-layer BERT sequence classifier with random weights and a small word-piece vocabulary."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    folder = tmp_path_factory.mktemp("tiny-ce")
    words = sorted({w.strip(".,?“”’'").lower() for w in (
        "can i follow my students on tiktok staff should not friend connect with a student social media "
        "employees must use district email inform their immediate supervisor if initiates contact").split()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, num_labels=1)
    import torch

    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(folder)
    return folder


def test_a_local_cross_encoder_scores_passages_in_0_1(tiny_cross_encoder):
    rr = CrossEncoderReranker(tiny_cross_encoder)
    passages = ["Staff should NOT follow/friend/connect with a student", "Employees must use District email"]
    a, b = rr.score(QUESTION, passages), rr.score(QUESTION, passages)
    assert a.shape == (2,) and np.all((a >= 0) & (a <= 1))
    assert np.array_equal(a, b)  # deterministic
    assert rr.score(QUESTION, []).shape == (0,)


def test_a_missing_model_folder_is_a_clear_setting_error(tmp_path):
    with pytest.raises(ConfigError, match="no model folder"):
        CrossEncoderReranker(tmp_path / "nope")
    assert build_reranker(Settings()) is None  # off by default


def test_the_ruler_blends_the_rerankers_scores_into_the_near_best_norms(seed_assistant, tiny_cross_encoder):
    s = Settings(**{**seed_assistant.settings.model_dump(), "rerank_weight": 1.0, "rule_threshold": 0.0,
                    "agreed_threshold": 0.0})
    rr = CrossEncoderReranker(tiny_cross_encoder)
    ruler = Ruler(seed_assistant.norms, seed_assistant.retriever.lexical, s, reranker=rr)
    plain = Ruler(seed_assistant.norms, seed_assistant.retriever.lexical, s)
    asked = seed_assistant.retriever.analyse(QUESTION)
    ix, base = plain.scores(asked, "d207-guidelines")
    order = [k for k in np.argsort(-base, kind="stable")]
    eligible = [k for k in order if seed_assistant.norms.norms[ix[k]].force == "rule"
                and plain.matches(asked, int(ix[k]))][: s.rerank_top]
    blended, reordered = ruler.rerank(asked, ix, base, eligible)
    expected = rr.score(asked.question, [seed_assistant.norms.text(seed_assistant.norms.norms[ix[k]]) for k in eligible])
    assert np.allclose(blended[eligible], expected)  # weight 1: the reranker's own scores
    assert reordered[0] == eligible[int(np.argmax(expected))]


def test_an_http_rerank_endpoint_reorders_and_a_failure_falls_back(seed_assistant):
    """The endpoint favours the last candidate it is sent (not the one the ruler would pick on
    its own): the ruling must follow it; a failing endpoint leaves the ruling as without one."""
    def favour_the_last(body):
        n = len(body["documents"])
        return json.dumps({"results": [{"index": i, "relevance_score": 0.99 if i == n - 1 else 0.01}
                                       for i in range(n)]})

    question, doc = "Can I email students from my personal Gmail account?", "chsd230-5125"
    with ScriptedLLMServer() as server:
        s = Settings(**{**seed_assistant.settings.model_dump(), "rerank_model": server.url + "/v1",
                        "rerank_name": "scripted-rerank", "rerank_weight": 0.9, "rule_threshold": 0.0,
                        "agreed_threshold": 0.0})
        rr = build_reranker(s)
        assert isinstance(rr, HttpReranker) and rr.url == server.url + "/v1/rerank"
        asked = seed_assistant.retriever.analyse(question)
        plain = Ruler(seed_assistant.norms, seed_assistant.retriever.lexical, s).rule(asked, doc)
        server.push(favour_the_last)
        ruling = Ruler(seed_assistant.norms, seed_assistant.retriever.lexical, s, reranker=rr).rule(asked, doc)
        sent = server.requests[-1].body
        assert sent["model"] == "scripted-rerank" and sent["query"] == asked.question and len(sent["documents"]) >= 2
        favoured = sent["documents"][-1]
        assert seed_assistant.norms.text(plain.deciding) != favoured  # the reranker has something to change
        assert ruling.rules and seed_assistant.norms.text(ruling.deciding) == favoured
        # a broken or failing endpoint: the ruling stands as without a reranker
        for push in (lambda: server.push_error(500), lambda: server.push_raw(b"not json"),
                     lambda: server.push('{"results": [{"index": 99, "relevance_score": 1}]}')):
            push()
            got = Ruler(seed_assistant.norms, seed_assistant.retriever.lexical, s, reranker=rr).rule(asked, doc)
            assert (got.status, got.verdict, got.deciding) == (plain.status, plain.verdict, plain.deciding)


def test_safe_scores_refuses_the_wrong_number_of_scores():
    class Short:
        name = "short"

        def score(self, query, passages):
            return np.zeros(len(passages) - 1)

    assert safe_scores(Short(), "q", ["a", "b"]) is None
