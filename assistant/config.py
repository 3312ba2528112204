"""One Settings object. Every field has a default and help text; each is read from the
environment as ``POLICY_<NAME>`` (e.g. ``POLICY_INDEX``, ``POLICY_CHROMA_URL``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICY_", extra="ignore", frozen=True)

    # --- where things live -------------------------------------------------------------------
    corpus: Path = Field(Path("corpus"), description="Folder of policy documents and manifest.toml.")
    index: Path = Field(Path("index"), description="Folder of the persisted index (Chroma + clause records).")
    chroma_url: str | None = Field(
        None, description="URL of a Chroma server (http://host:port). Empty: embedded Chroma under --index."
    )
    collection: str = Field("policy_clauses", description="Chroma collection name.")
    records_poll_seconds: float = Field(
        2.0, ge=0, description="With a Chroma server: how often an answering process asks the server whether another "
        "app server's ingest changed the shared records (seconds; its local copy answers meanwhile)."
    )

    # --- ingest limits ------------------------------------------------------------------------
    ingest_max_file_bytes: int = Field(20_000_000, description="Largest policy file read on ingest (bytes).")
    ingest_max_text_chars: int = Field(
        2_000_000, description="Most text one file may expand to once loaded (characters; a .docx or PDF can expand)."
    )
    ingest_max_file_seconds: float = Field(
        120.0, ge=0, description="Longest one file may take to read and clean, in seconds (0: no limit; each file is "
        "read in a child process that is stopped at the limit)."
    )
    ingest_max_clauses: int = Field(5_000, description="Most clauses one document may split into.")

    # --- model --------------------------------------------------------------------------------
    embed_model: str | None = Field(
        None, description="Path to a sentence-transformers model. Empty: the bundled all-MiniLM-L6-v2."
    )
    embed_batch_size: int = Field(32, description="Clauses embedded per batch on ingest.")
    embed_backend: str = Field(
        "torch", description="How the embedding model runs: torch (sentence-transformers) | onnx (ONNX Runtime, "
        "fp32) | onnx-int8 (ONNX Runtime, int8 dynamic quantization). ONNX is exported once from the model's own "
        "weights into <index>/onnx-model/ (nothing is downloaded). After a switch, the next ingest embeds everything "
        "again (the index notes which backend made its vectors). "
        "Figures: docs/EMBEDDING_MODEL.md.")

    # --- retrieval and answering --------------------------------------------------------------
    dense_k: int = Field(30, description="Clauses taken from the dense (vector) retriever before fusion.")
    lexical_k: int = Field(30, description="Clauses taken from the BM25 retriever before fusion.")
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(1.0, description="Weight of the dense ranking in fusion.")
    lexical_weight: float = Field(1.0, description="Weight of the BM25 ranking in fusion.")
    rule_threshold: float = Field(
        0.63, description="A district rules on the question when one of its norms (sentences) scores this: cosine of "
        "sentence and question plus rule_lexical_weight times the share of the question's words it uses."
    )
    strong_rule_threshold: float = Field(
        0.8, description="A norm scoring this may rule without naming the asked action's rarest words."
    )
    agreed_threshold: float = Field(
        0.5, description="The rule threshold for a norm that names the same specific act as the question "
        "(connect, communicate, disclose, logo, ...: assistant/actions.py)."
    )
    consequence_threshold: float = Field(
        0.45, description="The same for 'what happens if' questions, which only consequence sentences answer."
    )
    rule_lexical_weight: float = Field(0.33, description="Weight of word coverage in a norm's match score.")
    restriction_margin: float = Field(
        0.15, description="For 'can I' questions, a restriction this close to the best norm is read first."
    )
    agreement_bonus: float = Field(
        0.03, description="Added to a norm's score for naming the same people, and again for the same specific act."
    )
    rule_margin: float = Field(
        0.07, description="Norms within this score of the best are read together (restriction first for 'can I')."
    )
    related_threshold: float = Field(
        0.4, description="A district with no ruling shows its nearest sentences as 'related' from this score up."
    )
    rerank_model: str | None = Field(
        None, description="Optional reranker: a local sentence-transformers CrossEncoder folder, or "
        "'http(s)://...' for an OpenAI-compatible /rerank endpoint. Empty: off (all figures are with it off)."
    )
    rerank_weight: float = Field(0.5, description="Weight of the reranker's score next to a norm's match score.")
    rerank_top: int = Field(8, description="A district's best-scoring eligible norms that the reranker rescores.")
    rerank_name: str = Field("", description="Model name sent to a /rerank endpoint.")
    rerank_api_key: str = Field("", description="Bearer key for a /rerank endpoint (empty: none).")
    rerank_timeout: float = Field(10.0, description="Seconds before a remote reranker call is abandoned.")
    expand_queries: bool = Field(True, description="Expand staff words (snap, DM, tiktok...) with policy words.")
    max_question_chars: int = Field(2000, description="Longest question accepted.")

    # --- many districts (assistant/scope.py) ----------------------------------------------------
    peer_groups: dict[str, list[str]] = Field(
        default_factory=dict, description='Comparison sets, JSON: {"north-suburban": ["d207-guidelines", '
        '"chsd230-5125"], "iowa": ["state:Iowa"]}; entries are doc ids, district names or state:NAME. A district\'s '
        "peers are its group, else its state's districts.")
    compare_all_max: int = Field(
        25, ge=1, description="With a district picked and no scope given, compare with every district while at most "
        "this many are visible; beyond it, with the district's peers.")
    page_size: int = Field(10, ge=1, le=200, description="Other districts listed per page of an answer, best rulings first (the "
        "counts cover all). Above summary_max_districts in scope, each listed district keeps its deciding quote only.")
    summary_max_districts: int = Field(
        8, ge=1, description="Above this many districts in scope, the summary gives counts by ruling instead of naming "
        "each district.")
    api_key_districts: dict[str, list[str]] = Field(
        default_factory=dict, description='Tenants, JSON: {"<api key>": ["d207-guidelines", "state:Illinois"]}: that key '
        "sees only these districts (asks, documents, clauses); keys not listed see all.")

    # --- optional LLM -------------------------------------------------------------------------
    llm_backend: str = Field("none", description="none | openai | ollama.")
    llm_url: str | None = Field(None, description="Base URL of the OpenAI-compatible or Ollama endpoint.")
    llm_model: str = Field("llama3", description="Model name sent to the LLM endpoint.")
    llm_api_key: str = Field("not-needed", description="API key for the OpenAI-compatible endpoint.")
    llm_timeout: float = Field(20.0, description="Seconds before an LLM call is abandoned (extractive fallback).")

    # --- server -------------------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address the server binds to.")
    port: int = Field(7860, description="Port the server listens on.")
    api_keys: str = Field(
        "", description="Comma-separated API keys; required on /api whenever host is not loopback."
    )
    chat_open: bool = Field(
        False, description="With API keys set, let the chat page answer without a key (where the intranet already "
        "authenticates staff, e.g. a single-sign-on proxy). Off: the chat answers only a valid X-API-Key header or a "
        "POLICY_UI_AUTH login."
    )
    ui_auth: str = Field("", description="Optional basic auth for the chat UI: 'user:password'.")
    cors_origins: str = Field("", description="Comma-separated origins allowed by CORS.")
    frame_ancestors: str = Field(
        "'self'", description="Content-Security-Policy frame-ancestors value (who may embed the chat)."
    )
    trusted_proxies: str = Field(
        "", description="Comma-separated addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For / "
        "X-Forwarded-Proto headers are believed, so the rate limit counts each real client. Empty: no forwarded header "
        "is believed (a client cannot spoof its address), and staff behind one proxy share one allowance.")
    root_path: str = Field("", description="Sub-path when served behind a reverse proxy, e.g. /policy.")
    rate_limit: int = Field(
        60, description="Requests allowed per client per minute on /api, the chat and its /answer route (0: no limit)."
    )
    feedback_db: Path | None = Field(
        None, description="SQLite file for feedback and logged questions. Empty: <index>/feedback.sqlite3."
    )

    @property
    def feedback_path(self) -> Path:
        """The feedback database every face uses (server, chat, ``gaps``): ``feedback_db``, else
        ``<index>/feedback.sqlite3``. Derived on each read, so a copy with another index follows it."""
        return Path(self.feedback_db) if self.feedback_db else Path(self.index) / "feedback.sqlite3"

    def api_key_list(self) -> list[str]:
        """Every valid key: ``api_keys`` and the tenants' keys of ``api_key_districts``."""
        keys = [k.strip() for k in self.api_keys.split(",") if k.strip()]
        return keys + [k for k in self.api_key_districts if k not in keys]

    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]
