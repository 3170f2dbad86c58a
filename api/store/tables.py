"""ORM tables: licences, language models, datasets and the edges between them."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, backref, mapped_column, relationship

from api.domain.vocabulary import PARENT_RELATIONS, TRAINING_STAGES

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def identifier(length: int) -> String:
    """An id column compared byte-wise on every back end, so keyset pages agree."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator):
    """A timestamp that reads back timezone-aware (UTC) on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Licence(Base):
    __tablename__ = "licences"

    id: Mapped[str] = mapped_column(identifier(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    version_date: Mapped[str | None] = mapped_column(String(10))
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    binds_derivatives: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    # Optimistic concurrency: every UPDATE checks and bumps `version`; the ETag is built from it.
    __mapper_args__ = {"version_id_col": version}
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    alias_records: Mapped[list[LicenceAlias]] = relationship(
        back_populates="licence", cascade="all, delete-orphan", order_by="LicenceAlias.alias"
    )

    @property
    def aliases(self) -> list[str]:
        return [record.alias for record in self.alias_records]


class LicenceAlias(Base):
    """A lower-case name that resolves to a licence: a Hugging Face key or a common spelling."""

    __tablename__ = "licence_aliases"

    alias: Mapped[str] = mapped_column(identifier(128), primary_key=True)
    licence_id: Mapped[str] = mapped_column(ForeignKey("licences.id", ondelete="CASCADE"), index=True)

    licence: Mapped[Licence] = relationship(back_populates="alias_records")


class LanguageModel(Base):
    __tablename__ = "language_models"

    id: Mapped[str] = mapped_column(identifier(200), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(300))
    organisation: Mapped[str | None] = mapped_column(String(200), index=True)
    release_date: Mapped[str | None] = mapped_column(String(10))
    parameters: Mapped[int | None] = mapped_column(BigInteger)
    license: Mapped[str | None] = mapped_column(String(1000))
    # Who holds the rights in the weights (a Hub organisation); None: the organisation part of the id.
    rights_holder: Mapped[str | None] = mapped_column(String(200))
    source_url: Mapped[str | None] = mapped_column(String(2000))
    placeholder: Mapped[bool] = mapped_column(Boolean, default=False)
    sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    # Optimistic concurrency: every UPDATE checks and bumps `version`; the ETag is built from it.
    __mapper_args__ = {"version_id_col": version}
    # Hub ids match case-insensitively: lookups by lower(id) use this index.
    __table_args__ = (Index("ix_language_models_lower_id", func.lower(id)),)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    alias_records: Mapped[list[ModelAlias]] = relationship(
        cascade="all, delete-orphan", order_by="ModelAlias.alias_key", back_populates="model"
    )
    parent_edges: Mapped[list[ParentEdge]] = relationship(
        foreign_keys="ParentEdge.child_id",
        cascade="all, delete-orphan",
        order_by="ParentEdge.parent_id",
        back_populates="child",
    )
    training_edges: Mapped[list[TrainingEdge]] = relationship(
        cascade="all, delete-orphan", order_by="TrainingEdge.dataset_id", back_populates="model"
    )
    licence_links: Mapped[list[ModelLicence]] = relationship(cascade="all, delete-orphan")
    licence_assignments: Mapped[list[LicenceAssignment]] = relationship(
        cascade="all, delete-orphan", order_by="LicenceAssignment.position"
    )

    @property
    def licence_ids(self) -> list[str]:
        return sorted(link.licence_id for link in self.licence_links)

    @property
    def aliases(self) -> list[str]:
        return [record.alias for record in self.alias_records]

    @property
    def license_history(self) -> list[dict[str, Any]]:
        return [{"license": a.expression, "effective_from": a.effective_from, "source": a.source}
                for a in self.licence_assignments]

    @property
    def parents(self) -> list[dict[str, Any]]:
        return [edge.ref for edge in self.parent_edges]

    @property
    def datasets(self) -> list[dict[str, Any]]:
        return [edge.ref for edge in self.training_edges]


class ModelAlias(Base):
    """A former Hub repo id of a model (the Hub redirects renamed repos); matched case-insensitively."""

    __tablename__ = "model_aliases"

    alias_key: Mapped[str] = mapped_column(identifier(200), primary_key=True)  # the alias, lower-cased
    alias: Mapped[str] = mapped_column(String(200))
    model_id: Mapped[str] = mapped_column(ForeignKey("language_models.id", ondelete="CASCADE"), index=True)

    model: Mapped[LanguageModel] = relationship(back_populates="alias_records")


class LicenceAssignment(Base):
    """A licence a model was declared under from a date on: the history is kept, never overwritten."""

    __tablename__ = "licence_assignments"

    model_id: Mapped[str] = mapped_column(
        ForeignKey("language_models.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    expression: Mapped[str | None] = mapped_column(String(1000))
    effective_from: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str | None] = mapped_column(String(2000))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ModelLicence(Base):
    """One licence id named in a model's declared expression, for filtering by licence."""

    __tablename__ = "model_licences"

    model_id: Mapped[str] = mapped_column(
        ForeignKey("language_models.id", ondelete="CASCADE"), primary_key=True
    )
    licence_id: Mapped[str] = mapped_column(ForeignKey("licences.id"), primary_key=True, index=True)


class ParentEdge(Base):
    """The child model derives from the parent model by the given relation."""

    __tablename__ = "parent_edges"
    __table_args__ = (
        CheckConstraint(_in("relation", PARENT_RELATIONS), name="relation"),
        CheckConstraint("child_id <> parent_id", name="not_self"),
        # Covering index for walking down the tree (descendants).
        Index("ix_parent_edges_parent_child", "parent_id", "child_id", "relation"),
    )

    child_id: Mapped[str] = mapped_column(
        ForeignKey("language_models.id", ondelete="CASCADE"), primary_key=True
    )
    parent_id: Mapped[str] = mapped_column(ForeignKey("language_models.id"), primary_key=True)
    relation: Mapped[str] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(String(2000))

    child: Mapped[LanguageModel] = relationship(foreign_keys=[child_id], back_populates="parent_edges")

    @property
    def ref(self) -> dict[str, Any]:
        """The edge as the child lists it under `parents`."""
        return {"id": self.parent_id, "relation": self.relation, "source": self.source}


class Dataset(Base):
    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(identifier(200), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(300))
    license: Mapped[str | None] = mapped_column(String(1000))
    source_url: Mapped[str | None] = mapped_column(String(2000))
    generated_by: Mapped[str | None] = mapped_column(ForeignKey("language_models.id"), index=True)
    placeholder: Mapped[bool] = mapped_column(Boolean, default=False)
    sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    # Optimistic concurrency: every UPDATE checks and bumps `version`; the ETag is built from it.
    __mapper_args__ = {"version_id_col": version}
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    licence_links: Mapped[list[DatasetLicence]] = relationship(cascade="all, delete-orphan")

    @property
    def licence_ids(self) -> list[str]:
        return sorted(link.licence_id for link in self.licence_links)

    @property
    def aliases(self) -> list[str]:
        return [record.alias for record in self.alias_records]


class DatasetLicence(Base):
    """One licence id named in a dataset's licence expression."""

    __tablename__ = "dataset_licences"

    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True)
    licence_id: Mapped[str] = mapped_column(ForeignKey("licences.id"), primary_key=True, index=True)


class TrainingEdge(Base):
    """The model was trained on the dataset at the given stage."""

    __tablename__ = "training_edges"
    __table_args__ = (CheckConstraint(_in("stage", TRAINING_STAGES), name="stage"),)

    model_id: Mapped[str] = mapped_column(
        ForeignKey("language_models.id", ondelete="CASCADE"), primary_key=True
    )
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), primary_key=True, index=True)
    stage: Mapped[str] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(String(2000))

    model: Mapped[LanguageModel] = relationship(back_populates="training_edges")

    @property
    def ref(self) -> dict[str, Any]:
        """The edge as the model lists it under `datasets`."""
        return {"id": self.dataset_id, "stage": self.stage, "source": self.source}



class HubRecord(Base):
    """What the Hugging Face Hub said about a model: the commit read, when, and whether its card was public."""

    __tablename__ = "hub_records"

    model_id: Mapped[str] = mapped_column(
        ForeignKey("language_models.id", ondelete="CASCADE"), primary_key=True
    )
    sha: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(16), default="ok")  # ok | gated
    gated: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(1000))
    url: Mapped[str | None] = mapped_column(String(2000))

    model: Mapped[LanguageModel] = relationship(
        backref=backref("hub_record", uselist=False, lazy="selectin", cascade="all, delete-orphan",
                        passive_deletes=True))


class ApiToken(Base):
    """A bearer token: only a SHA-256 hash of the secret is stored; the secret is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AuditEvent(Base):
    """One successful change: who, when, what, and the record before and after. Never updated or deleted."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_resource", "resource_type", "resource_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    resource_type: Mapped[str] = mapped_column(String(20))
    resource_id: Mapped[str] = mapped_column(identifier(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ModelConflict(Base):
    """A model whose declared licence is looser than what it inherits, kept current on every write."""

    __tablename__ = "model_conflicts"

    model_id: Mapped[str] = mapped_column(
        identifier(200), ForeignKey("language_models.id", ondelete="CASCADE"), primary_key=True
    )
    declared_licence: Mapped[str | None] = mapped_column(String(1000))
    conflicts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class ModelConflictLicence(Base):
    """A licence a stored conflict names (declared or inherited), for `GET /v1/conflicts?license=`."""

    __tablename__ = "model_conflict_licences"

    model_id: Mapped[str] = mapped_column(
        identifier(200), ForeignKey("model_conflicts.model_id", ondelete="CASCADE"), primary_key=True
    )
    licence_id: Mapped[str] = mapped_column(identifier(128), primary_key=True, index=True)


class ModelBindings(Base):
    """The records whose licences bind a model (itself, ancestors, training data and its generators), each with
    its expression and the path to it: the lineage walk's result (`terms.binding_groups`), kept current on every
    write with the conflicts, so a batch check does not walk each model's lineage again."""

    __tablename__ = "model_bindings"

    model_id: Mapped[str] = mapped_column(
        identifier(200), ForeignKey("language_models.id", ondelete="CASCADE"), primary_key=True
    )
    groups: Mapped[list[list[Any]]] = mapped_column(JSON)


class LineageClosure(Base):
    """Every (ancestor, descendant) pair of the parent graph with the fewest edges between them, kept current
    on every write, so a page of descendants is an index range however big the family. Derived data: no
    foreign keys, so a deleted model's pairs are still there to be counted out when the write commits."""

    __tablename__ = "lineage_closure"

    ancestor_id: Mapped[str] = mapped_column(identifier(200), primary_key=True)
    descendant_id: Mapped[str] = mapped_column(identifier(200), primary_key=True, index=True)
    depth: Mapped[int] = mapped_column()


class DescendantCount(Base):
    """How many models descend from a model (rows only for models with descendants), kept with the closure."""

    __tablename__ = "descendant_counts"

    model_id: Mapped[str] = mapped_column(identifier(200), primary_key=True)
    descendants: Mapped[int] = mapped_column()


class DataGeneration(Base):
    """One row whose number every committed write moves (api/store/data_generation.py)."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(BigInteger)
