"""The POLE store schema, one definition for SQLite and PostgreSQL.

Ids are stable strings hashed from the source system and natural key (see ``pole.ids``), so a
bulk load needs no round trip for generated keys, a rebuilt store gives the same ids, and the
primary key alone enforces one row per source key. Every fact row names the source record
version it came from: (source_system, source_key or natural_key, version).
"""

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

ID = String(40)
SYSTEM = String(80)
KEY = String(200)


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always read back timezone-aware, on both backends."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Peelian stores UTC, pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


store_meta = Table(
    "store_meta",
    metadata,
    Column("key", String(60), primary_key=True),
    Column("value", Text, nullable=False),
)

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("adapter", String(40), nullable=False),
    Column("source_system", SYSTEM, nullable=False),
    Column("source_name", Text, nullable=False, doc="file name or archive member"),
    Column("source_path", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("file_bytes", BigInteger, nullable=False),
    Column("columns", JSON, nullable=True, doc="header of a delimited file, for reading raw rows"),
    Column("status", String(20), nullable=False, doc="running, completed, interrupted, failed"),
    Column("message", Text, nullable=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("rows_inserted", Integer, nullable=False, default=0),
    Column("rows_updated", Integer, nullable=False, default=0),
    Column("rows_unchanged", Integer, nullable=False, default=0),
    Column("rows_quarantined", Integer, nullable=False, default=0),
    Index("ix_ingest_runs_source", "source_system", "source_name"),
)

source_records = Table(
    "source_records",
    metadata,
    Column("source_system", SYSTEM, nullable=False),
    Column("natural_key", KEY, nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("raw", Text, nullable=False, doc="the original row: CSV text or canonical JSON"),
    Column("run_id", Integer, ForeignKey("ingest_runs.id"), nullable=False),
    Column("line_number", Integer, nullable=True),
    Column("ingested_at", UTCDateTime, nullable=False),
    # The composite key is the only index: a text surrogate id would cost a second B-tree on
    # every insert, and rows name their record by (system, key, version). The key leads, as
    # the selective column, so look-ups probe it even before the planner has statistics.
    PrimaryKeyConstraint("natural_key", "source_system", "version"),
)

locations = Table(
    "locations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("source_system", SYSTEM, nullable=False),
    Column("natural_key", KEY, nullable=False),
    Column("kind", String(20), nullable=False, doc="point, address, premises, area"),
    Column("name", Text, nullable=True),
    Column("postcode", String(12), nullable=True),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("x", Float, nullable=True),
    Column("y", Float, nullable=True),
    Column("area_code", String(40), nullable=True),
    Column("source_key", KEY, nullable=False, doc="row (natural key) that first named this place"),
    Column("source_version", Integer, nullable=False),
    Column("ingested_at", UTCDateTime, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", ID, primary_key=True),
    Column("source_system", SYSTEM, nullable=False),
    Column("natural_key", KEY, nullable=False),
    Column("version", Integer, nullable=False, doc="current source record version"),
    Column(
        "event_type",
        String(20),
        nullable=False,
        doc="crime, incident, report, stop, custody, intelligence, sighting",
    ),
    Column("category", String(120), nullable=False),
    Column("subcategory", String(200), nullable=True),
    Column("time_from", UTCDateTime, nullable=False),
    Column("time_to", UTCDateTime, nullable=False, doc="exclusive end of the window"),
    Column("time_precision", String(10), nullable=False, doc="minute, hour, day, month, ..."),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("x", Float, nullable=True),
    Column("y", Float, nullable=True),
    Column("location_id", ID, ForeignKey("locations.id"), nullable=True),
    Column("location_text", Text, nullable=True),
    Column("area_code", String(40), nullable=True, doc="area named by the source (LSOA, beat)"),
    Column("area_name", Text, nullable=True),
    Column("outcome", Text, nullable=True),
    Column("force", String(120), nullable=True),
    Column("attributes", JSON, nullable=True),
    Column("ingested_at", UTCDateTime, nullable=False),
    # No unique (system, key): the id is a hash of exactly that, so the primary key enforces it.
    # Each ends with the id, the tie-break of "newest first", so a page needs no sort; time_to
    # makes the time index cover date filters (an event overlaps a range by both ends).
    Index("ix_events_time", "time_from", "id", "time_to"),
    Index("ix_events_category_time", "category", "time_from", "id"),
    Index("ix_events_area_time", "area_code", "time_from", "id"),
)

# The word-search index is raw SQL in migration 0008 (an FTS5 table, its shadow tables and key map
# and their triggers on SQLite; an expression index on PostgreSQL): schema comparison skips it.
SEARCH_OBJECTS = ("event_search", "ix_events_search", "search_fts", "ix_search_fts")


def declared_in_metadata(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's ``include_name``: False for the search indexes' objects, which metadata omits."""
    return not (name or "").startswith(SEARCH_OBJECTS)


persons = Table(
    "persons",
    metadata,
    Column("id", ID, primary_key=True),
    Column("source_system", SYSTEM, nullable=False),
    Column("natural_key", KEY, nullable=False),
    Column("source_key", KEY, nullable=False, doc="row (natural key) this version came from"),
    Column("source_version", Integer, nullable=False),
    Column("forename", String(120), nullable=True),
    Column("surname", String(120), nullable=True),
    Column("full_name", String(250), nullable=True),
    Column("dob", Date, nullable=True),
    Column("gender", String(30), nullable=True),
    Column("ethnicity", String(120), nullable=True, doc="self-defined answers run to ~85 characters"),
    Column("age_range", String(20), nullable=True),
    Column("attributes", JSON, nullable=True),
    Column("ingested_at", UTCDateTime, nullable=False),
    Index("ix_persons_surname", "surname"),
)

objects = Table(
    "objects",
    metadata,
    Column("id", ID, primary_key=True),
    Column("source_system", SYSTEM, nullable=False),
    Column("natural_key", KEY, nullable=False),
    Column("source_key", KEY, nullable=False, doc="row (natural key) this version came from"),
    Column("source_version", Integer, nullable=False),
    Column("kind", String(20), nullable=False, doc="vehicle, phone, property, weapon, ..."),
    Column("identifier", String(120), nullable=True, doc="VRM, IMEI, serial number"),
    Column("make", String(80), nullable=True),
    Column("model", String(80), nullable=True),
    Column("colour", String(40), nullable=True),
    Column("description", Text, nullable=True),
    Column("attributes", JSON, nullable=True),
    Column("ingested_at", UTCDateTime, nullable=False),
    Index("ix_objects_identifier", "kind", "identifier"),
)

links = Table(
    "links",
    metadata,
    Column("id", ID, primary_key=True),
    Column("source_system", SYSTEM, nullable=False),
    Column("source_key", KEY, nullable=False, doc="natural key of the row that asserted the link"),
    Column("source_version", Integer, nullable=False),
    Column("subject_type", String(10), nullable=False),
    Column("subject_id", ID, nullable=False),
    Column("role", String(40), nullable=False),
    Column("object_type", String(10), nullable=False),
    Column("object_id", ID, nullable=False),
    Column("ingested_at", UTCDateTime, nullable=False),
    Index("ix_links_subject", "subject_id"),
    Index("ix_links_object", "object_id"),
    Index("ix_links_source", "source_system", "source_key"),
)

areas = Table(
    "areas",
    metadata,
    Column("id", ID, primary_key=True),
    Column("scheme", String(40), nullable=False, doc="lsoa11, borough, beat, ..."),
    Column("code", String(40), nullable=False),
    Column("name", Text, nullable=True),
    Column("geometry", LargeBinary, nullable=False, doc="WKB in the store CRS"),
    Column("geometry_wgs84", Text, nullable=False, doc="GeoJSON geometry, lon/lat, for maps"),
    Column("minx", Float, nullable=False),
    Column("miny", Float, nullable=False),
    Column("maxx", Float, nullable=False),
    Column("maxy", Float, nullable=False),
    Column("attributes", JSON, nullable=True),
    Column("source_name", Text, nullable=False),
    Column("loaded_at", UTCDateTime, nullable=False),
    UniqueConstraint("scheme", "code"),
)

event_areas = Table(
    "event_areas",
    metadata,
    Column("event_id", ID, ForeignKey("events.id"), primary_key=True),
    Column("area_id", ID, ForeignKey("areas.id"), primary_key=True),
    Column("scheme", String(40), nullable=False),
    Index("ix_event_areas_area", "area_id"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("ingest_runs.id"), nullable=False),
    Column("source_system", SYSTEM, nullable=False),
    Column("source_name", Text, nullable=False),
    Column("line_number", Integer, nullable=False, doc="line in the file, or row number"),
    Column("reason_code", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("raw_hash", String(32), nullable=False),
    Column("quarantined_at", UTCDateTime, nullable=False),
    UniqueConstraint("source_system", "source_name", "line_number", "raw_hash"),
    Index("ix_quarantine_reason", "reason_code"),
)

# -- governance --------------------------------------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False, doc="argon2id, PHC string"),
    Column("roles", JSON, nullable=False, doc="list of role names"),
    Column("totp_secret", String(64), nullable=True, doc="base32; required for admin and auditor"),
    Column("totp_last_step", BigInteger, nullable=True, doc="time step of the last code used: no replays"),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("password_changed_at", UTCDateTime, nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    # One row. Appends update it first, which takes the write lock on both backends, so entries
    # are chained one after another even when many requests write at once.
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(80), nullable=False),
    Column("outcome", String(20), nullable=False, doc="allowed, refused, failed"),
    Column("purpose", String(40), nullable=True),
    Column("case_ref", String(80), nullable=True),
    Column("details", Text, nullable=False, doc="canonical JSON: route, query, records returned"),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_actor", "actor", "at"),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True, doc="SHA-256 of the cookie value"),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("purpose", String(40), nullable=True, doc="declared for the current task"),
    Column("case_ref", String(80), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True, doc="SHA-256 of the bearer token"),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("label", String(120), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked", Boolean, nullable=False, default=False),
)

# -- leads and judgements ----------------------------------------------------------------------

leads = Table(
    "leads",
    metadata,
    # Every algorithmic output (hotspot, possible match, suspected series, harm ranking) is a
    # lead: it becomes actionable only when a person accepts it, with a reason (judgements).
    Column("id", ID, primary_key=True),
    Column("lead_type", String(40), nullable=False, doc="hotspot, entity_match, crime_series, ..."),
    Column("title", String(200), nullable=False),
    Column("explanation", Text, nullable=False, doc="why the model proposed it, in plain language"),
    Column("provenance", JSON, nullable=False, doc="model, version and the source/entity ids used"),
    Column("subjects", JSON, nullable=False, doc="what the lead is about: entity, area or event refs"),
    Column("score", Float, nullable=False, doc="the model's own score; comparable within a type only"),
    Column("status", String(10), nullable=False, doc="open, accepted, rejected"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(80), nullable=False, doc="model name or username"),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("decided_by", String(80), nullable=True),
    Index("ix_leads_status_type", "status", "lead_type"),
)

judgements = Table(
    "judgements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lead_id", ID, ForeignKey("leads.id"), nullable=False),
    Column("decision", String(10), nullable=False, doc="accept or reject"),
    Column("reason", String(2000), nullable=False),
    Column("decided_by", String(80), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("overrides_previous", Boolean, nullable=False, doc="reverses the lead's earlier decision"),
    Index("ix_judgements_lead", "lead_id"),
)

# -- entity resolution -------------------------------------------------------------------------
# Records (persons, vehicles, addresses) are grouped into entities with stable ids. The model,
# each run, every entity's history and the scored pairs behind it are kept, so a merge can be
# explained and undone; judgements on pairs live in leads/judgements like every other lead.

resolve_models = Table(
    "resolve_models",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_type", String(20), nullable=False),
    Column("trained_at", UTCDateTime, nullable=False),
    Column("trained_by", String(80), nullable=False),
    Column("settings", JSON, nullable=False, doc="Splink's trained model JSON"),
    Column("threshold", Float, nullable=True, doc="match probability at which records join"),
    Column("report", JSON, nullable=False, doc="training sessions, labelled pairs, blocking"),
    Index("ix_resolve_models_entity", "entity_type", "id"),
)

resolve_runs = Table(
    "resolve_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_type", String(20), nullable=False),
    Column("model_id", Integer, ForeignKey("resolve_models.id"), nullable=False),
    Column("kind", String(12), nullable=False, doc="full or incremental"),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("started_by", String(80), nullable=False),
    Column("stats", JSON, nullable=False),
)

resolve_entities = Table(
    "resolve_entities",
    metadata,
    Column("id", ID, primary_key=True),
    Column("entity_type", String(20), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("retired_at", UTCDateTime, nullable=True, doc="merged away or emptied; the id still resolves"),
    Column("retired_into", ID, nullable=True, doc="the entity it was merged into"),
    Column("weak_links", Integer, nullable=False, default=0, doc="member pairs the model scored apart"),
    Index("ix_resolve_entities_type", "entity_type", "retired_at"),
)

resolve_members = Table(
    "resolve_members",
    metadata,
    Column("entity_type", String(20), nullable=False),
    Column("record_id", ID, nullable=False),
    Column("entity_id", ID, nullable=False),
    Column("since", UTCDateTime, nullable=False),
    Column("run_id", Integer, nullable=False),
    PrimaryKeyConstraint("entity_type", "record_id"),
    Index("ix_resolve_members_entity", "entity_id"),
)

resolve_history = Table(
    "resolve_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("run_id", Integer, nullable=False),
    Column("entity_type", String(20), nullable=False),
    Column("entity_id", ID, nullable=False),
    Column("action", String(10), nullable=False, doc="create, merge, split, retire, grow, shrink"),
    Column("related", JSON, nullable=False, doc="the other entity ids taking part"),
    Column("records", JSON, nullable=False, doc="record ids that moved"),
    Index("ix_resolve_history_entity", "entity_id", "id"),
)

resolve_pairs = Table(
    "resolve_pairs",
    metadata,
    Column("entity_type", String(20), nullable=False),
    Column("record_l", ID, nullable=False),
    Column("record_r", ID, nullable=False),
    Column("probability", Float, nullable=False),
    Column("weight", Float, nullable=False),
    Column("waterfall", JSON, nullable=False, doc="each comparison's level and weight"),
    Column("run_id", Integer, nullable=False),
    PrimaryKeyConstraint("entity_type", "record_l", "record_r"),
    Index("ix_resolve_pairs_right", "entity_type", "record_r"),
)

resolve_keys = Table(
    "resolve_keys",
    metadata,
    # Blocking keys of every resolved record, so a new record finds its candidates by index
    # instead of a full re-run.
    Column("entity_type", String(20), nullable=False),
    Column("key", String(250), nullable=False),
    Column("record_id", ID, nullable=False),
    PrimaryKeyConstraint("entity_type", "key", "record_id"),
)

resolve_tf = Table(
    "resolve_tf",
    metadata,
    Column("entity_type", String(20), nullable=False),
    Column("column_name", String(60), nullable=False),
    Column("value", String(250), nullable=False),
    Column("tf", Float, nullable=False, doc="share of records holding the value"),
    PrimaryKeyConstraint("entity_type", "column_name", "value"),
)


# -- the one search box (peelian.search) -------------------------------------------------------

search_records = Table(
    "search_records",
    metadata,
    # One row per searchable record (person, vehicle, phone, place, event with free text), in the
    # canonical forms it is matched on. A record's keys can be derived again from its row, so
    # an update deletes exactly the keys it had without a second index on ``search_keys``.
    Column("rid", Integer, primary_key=True, autoincrement=True),
    Column("record_type", String(10), nullable=False, doc="person, vehicle, phone, place, event"),
    Column("record_id", String(60), nullable=False, doc="the store row; home:<person id> for a home"),
    Column("source_system", SYSTEM, nullable=False),
    Column("label", Text, nullable=False),
    Column("forename", String(120), nullable=True),
    Column("surname", String(120), nullable=True),
    Column("aliases", Text, nullable=True, doc="other names, '; '-separated, canonical"),
    Column("dob", String(10), nullable=True, doc="as far as known: YYYY, YYYY-MM or YYYY-MM-DD"),
    Column("postcode", String(10), nullable=True),
    Column("phone", String(20), nullable=True),
    Column("vrm", String(12), nullable=True),
    Column("refs", Text, nullable=True, doc="references it is known by, '; '-separated"),
    Column("text", Text, nullable=True, doc="free text: address, MO, notes, place name"),
    Column("seen_at", UTCDateTime, nullable=True, doc="when the source recorded it"),
    Column("area_code", String(40), nullable=True),
    UniqueConstraint("record_type", "record_id"),
)

search_keys = Table(
    "search_keys",
    metadata,
    # 64-bit hashes of exact-match keys ("surname sound + date of birth", "registration look-alike
    # form", ...): a query turns into a few dozen keys, each an index probe.
    Column("key", BigInteger, nullable=False),
    Column("rid", Integer, nullable=False),
    # An index, not a primary key: a rebuild drops it, loads, and builds it once.
    Index("ix_search_keys_key", "key", "rid"),
)

search_terms = Table(
    "search_terms",
    metadata,
    # Distinct names, registrations, phone numbers and postcodes, under a trigram index (raw SQL in
    # migration 0011): typos and partial plates are matched against these, then looked up by key.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("field", String(10), nullable=False),
    Column("term", String(120), nullable=False),
    UniqueConstraint("field", "term"),
)

search_term_keys = Table(
    "search_term_keys",
    metadata,
    # Each name term under every spelling one letter shorter (SMITH: MITH, SITH, SMTH, SMIH, SMIT):
    # a typed word's own deletions then meet the terms within two edits of it (SNITH and SMIHT both
    # reach SMITH) by index probes, where trigrams lose most of a short name's grams to one slip.
    Column("key", BigInteger, nullable=False),
    Column("term_id", Integer, nullable=False),
    Index("ix_search_term_keys_key", "key", "term_id"),
)


# -- crime linkage (peelian.linkage) -----------------------------------------------------------

linkage_models = Table(
    "linkage_models",
    metadata,
    # One row per training: the model as JSON (weights, scaling), so a lead can name the exact
    # model that proposed it and a retrain never rewrites history.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("category", String(120), nullable=False, doc="the crime category it was trained on"),
    Column("trained_at", UTCDateTime, nullable=False),
    Column("trained_by", String(80), nullable=False),
    Column("model", Text, nullable=False, doc="LinkageModel.to_json()"),
    Column("report", JSON, nullable=False, doc="crimes, pairs, linked pairs, settings"),
    Index("ix_linkage_models_category", "category", "id"),
)


# -- harm rankings (peelian.harm) --------------------------------------------------------------

harm_rankings = Table(
    "harm_rankings",
    metadata,
    # One row per refresh of a priority list: what was ranked, how, and the list itself, so the
    # next refresh can report its churn and a lead can name the refresh that proposed it.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("method", String(20), nullable=False, doc="harm (rolling window) or rfg"),
    Column("harm_index", String(20), nullable=False, doc="the weight table: css, chi"),
    Column("made_at", UTCDateTime, nullable=False),
    Column("made_by", String(80), nullable=False),
    Column("parameters", JSON, nullable=False, doc="as-of date, window, decay, RFG settings"),
    Column("ranking", JSON, nullable=False, doc="the top offenders in order, with scores"),
    Column("report", JSON, nullable=False, doc="unmapped offences, churn against the last refresh"),
    Index("ix_harm_rankings_method", "method", "harm_index", "id"),
)


# -- public reporting portal (peelian.portal) --------------------------------------------------

portal_reports = Table(
    "portal_reports",
    metadata,
    # A report as the member of the public sent it: the submission is written once and never
    # changed (its digest proves it); staff redactions are kept beside it, with reasons.
    Column("id", ID, primary_key=True),
    Column("reference", String(20), nullable=False, unique=True, doc="what the reporter quotes"),
    Column("code_hash", String(200), nullable=False, doc="argon2 hash of the tracking code"),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("submission", JSON, nullable=False, doc="the answers exactly as submitted"),
    Column("digest", String(64), nullable=False, doc="SHA-256 of the canonical submission"),
    Column("category", String(120), nullable=False),
    Column("stage", String(20), nullable=False, doc="received assessed recorded no_crime allocated outcome"),
    Column("event_id", ID, nullable=True, doc="the crime recorded in the POLE store"),
    Column("allocated_to", String(80), nullable=True),
    Column("redactions", JSON, nullable=False, doc="[{field, reason, by, at}] applied when shown"),
    Column("client", String(64), nullable=False, doc="keyed hash of the sender's address (abuse only)"),
    Index("ix_portal_reports_stage", "stage", "submitted_at"),
)

portal_updates = Table(
    "portal_updates",
    metadata,
    # The case's history as the reporter sees it: stage changes (with their public reason) and
    # messages both ways, in order.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", ID, ForeignKey("portal_reports.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(10), nullable=False, doc="stage or message"),
    Column("stage", String(20), nullable=True),
    Column("author", String(80), nullable=False, doc="'reporter' or the staff member's username"),
    Column("body", Text, nullable=False),
    Index("ix_portal_updates_report", "report_id", "id"),
)

portal_files = Table(
    "portal_files",
    metadata,
    Column("id", ID, primary_key=True),
    Column("report_id", ID, ForeignKey("portal_reports.id"), nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
    Column("name", String(120), nullable=False, doc="the file name as given, made safe"),
    Column("media_type", String(60), nullable=False, doc="from the file's own bytes, not its name"),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Index("ix_portal_files_report", "report_id"),
)


# -- command and control (peelian.dispatch) ----------------------------------------------------

dispatch_units = Table(
    "dispatch_units",
    metadata,
    # Officers, vehicles and drones as the control room sees them now; positions in the store CRS.
    Column("id", String(40), primary_key=True, doc="call sign"),
    Column("kind", String(10), nullable=False, doc="officer, vehicle or drone"),
    Column("status", String(12), nullable=False, doc="available assigned en_route at_scene unavailable"),
    Column("x", Float, nullable=False),
    Column("y", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("account", String(80), nullable=True, doc="the officer who signs in as this unit"),
    Column("incident_id", ID, nullable=True, doc="the incident it is assigned to"),
    Column("updated_at", UTCDateTime, nullable=False),
)

drone_sites = Table(
    "drone_sites",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("x", Float, nullable=False),
    Column("y", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("drones", Integer, nullable=False, doc="drones ready to launch"),
)

incidents = Table(
    "incidents",
    metadata,
    # A call for service: what the caller said, the assistant's THRIVE grade (a lead) and the
    # handler's grade (its judgement), who went, and when they got there.
    Column("id", ID, primary_key=True),
    Column("reference", String(30), nullable=False, unique=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("caller", String(120), nullable=True),
    Column("caller_phone", String(20), nullable=True),
    Column("location_text", String(200), nullable=False),
    Column("x", Float, nullable=False),
    Column("y", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("text", Text, nullable=False),
    Column("flags", JSON, nullable=False, doc="what the handler established (THRIVE facts)"),
    Column("suggested_grade", String(30), nullable=False),
    Column("grading", JSON, nullable=False, doc="the assistant's reasons and factor table"),
    Column("lead_id", ID, nullable=False, doc="the suggested grade as a lead"),
    Column("grade", String(30), nullable=True, doc="as the handler confirmed or overrode it"),
    Column("graded_by", String(80), nullable=True),
    Column("status", String(12), nullable=False, doc="open assigned at_scene closed"),
    Column("assigned_at", UTCDateTime, nullable=True),
    Column("arrived_at", UTCDateTime, nullable=True, doc="first officer or vehicle on scene"),
    Column("closed_at", UTCDateTime, nullable=True),
    Index("ix_incidents_status", "status", "received_at"),
)

incident_log = Table(
    "incident_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", ID, ForeignKey("incidents.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("entry", Text, nullable=False),
    Index("ix_incident_log_incident", "incident_id", "id"),
)

video_links = Table(
    "video_links",
    metadata,
    # A per-case upload link for a business or an officer: only the token's hash is kept, and
    # the link stops working at its expiry or when revoked.
    Column("id", ID, primary_key=True),
    Column("case_ref", String(60), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("audience", String(10), nullable=False, doc="business or officer"),
    Column("owner", String(200), nullable=True, doc="who holds the footage, e.g. the shop"),
    Column("note", String(500), nullable=True),
    Column("created_by", String(80), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("max_bytes", BigInteger, nullable=False, doc="largest single file accepted"),
    Index("ix_video_links_case", "case_ref"),
)

video_uploads = Table(
    "video_uploads",
    metadata,
    # A resumable upload in progress: bytes are appended to a staging file and made durable
    # before the offset here moves, so an acknowledged chunk is never lost.
    Column("id", ID, primary_key=True),
    Column("case_ref", String(60), nullable=False),
    Column("link_id", ID, ForeignKey("video_links.id"), nullable=True),
    Column("uploaded_by", String(200), nullable=False, doc="an account, or the link's owner"),
    Column("name", String(120), nullable=False),
    Column("total_bytes", BigInteger, nullable=False),
    Column("received_bytes", BigInteger, nullable=False),
    Column("media_type", String(40), nullable=True, doc="from the first bytes, not the name"),
    Column("details", JSON, nullable=False, doc="camera, location, owner, clock offset as given"),
    Column("status", String(10), nullable=False, doc="receiving complete"),
    Column("footage_id", ID, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_video_uploads_case", "case_ref"),
)

video_footage = Table(
    "video_footage",
    metadata,
    # One original file, kept unaltered under its SHA-256 in the evidence directory; custody
    # starts with the digest on receipt. The camera clock's offset (camera minus true time)
    # corrects every event time.
    Column("id", ID, primary_key=True),
    Column("reference", String(30), nullable=False, unique=True),
    Column("case_ref", String(60), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("media_type", String(40), nullable=False),
    Column("name", String(120), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("received_by", String(200), nullable=False),
    Column("link_id", ID, nullable=True),
    Column("camera", String(200), nullable=True),
    Column("location", String(200), nullable=True),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("owner", String(200), nullable=True),
    Column("camera_start", UTCDateTime, nullable=True, doc="the first frame's time on the camera clock"),
    Column("clock_offset_s", Float, nullable=False, doc="camera clock minus true time, seconds"),
    Column("zones", JSON, nullable=False, doc="named polygons in frame pixels"),
    Column("status", String(12), nullable=False, doc="received analysing analysed failed"),
    Column("analysis", JSON, nullable=True, doc="video facts, active segments, review hours, method"),
    Column("analysed_at", UTCDateTime, nullable=True),
    Index("ix_video_footage_case", "case_ref", "received_at"),
    Index("ix_video_footage_sha", "sha256"),
)

video_events = Table(
    "video_events",
    metadata,
    # What the analytics saw, indexed for search; each is a lead until a person confirms it.
    Column("id", ID, primary_key=True),
    Column("footage_id", ID, ForeignKey("video_footage.id"), nullable=False),
    Column("case_ref", String(60), nullable=False),
    Column("camera", String(200), nullable=True),
    Column("kind", String(30), nullable=False, doc="person_appears enters_zone loitering vehicle_stops ..."),
    Column("zone", String(60), nullable=True),
    Column("track", Integer, nullable=False),
    Column("media_from", Float, nullable=False, doc="seconds into the footage"),
    Column("media_to", Float, nullable=False),
    Column("true_from", UTCDateTime, nullable=True, doc="corrected for the camera clock; none if no start"),
    Column("true_to", UTCDateTime, nullable=True),
    Column("box", JSON, nullable=False, doc="x, y, w, h in frame pixels at the event's key frame"),
    Column("score", Float, nullable=False),
    Column("thumbnail", LargeBinary, nullable=False, doc="JPEG of the key frame's box and surroundings"),
    Column("lead_id", ID, nullable=False),
    Index("ix_video_events_case", "case_ref", "kind", "true_from"),
    Index("ix_video_events_footage", "footage_id", "media_from"),
)
