"""FHIR Bulk Data exports over HTTP (`GET /fhir/R4/$export`, fhir/bulk_views.py): starting
one, running it, finding it for the client that asked, and forgetting it.

Who may export is the access policy's call (sharing.policy.may_bulk_export: a system client
with the export scope), and the scope is always the client's own organisation. The export
itself is fhir.export.export_fhir, writing only the types asked for: it audits every exported
person (when Patient or CareTeam is asked for) naming the client, with the job's id as the
folder name. The client's request, its cancellation and each file it downloads are audited
too.

How jobs run: a daemon thread started when the request's transaction commits, with its own
database connection, closed when it ends. A thread dies with the server process, so
`joinedup run-bulk-exports` (run it from cron every few minutes) runs any job still waiting,
starts again any that has been "running" for too long, and forgets finished exports once they
are a week old. A separate worker queue (Celery, RQ) would be one more service to run for a
job that takes about a minute for 100,000 people (docs/fhir.md, "Bulk export")."""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from joinedup.audit.services import record_event
from joinedup.core.errors import NotAllowed, NotFound
from joinedup.fhir.export import RESOURCE_TYPES, TypeCount, export_fhir
from joinedup.fhir.models import BulkExportJob, BulkExportStatus
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import may_bulk_export

logger = logging.getLogger("joinedup.fhir")

REQUEST_ACTION = "fhir.export.request"
DOWNLOAD_ACTION = "fhir.export.download"
CANCEL_ACTION = "fhir.export.cancel"
STUCK_AFTER = timedelta(hours=1)
KEEP_FOR = timedelta(days=7)


class ExportCancelled(Exception):
    """The job was cancelled (its row deleted) while the export was being written."""


def export_folder(job: BulkExportJob) -> Path:
    return Path(settings.FHIR_EXPORT_DIR) / str(job.pk)


# -- starting ------------------------------------------------------------------------------


def start_bulk_export(*, actor: Actor, types: Sequence[str], request_url: str) -> BulkExportJob:
    """Queue an export of the actor's organisation's scope and start it in the background once
    this transaction commits. Only a system client with the export scope may (NotAllowed
    otherwise). Audits the request, naming the client."""
    client = actor.client
    if client is None or not may_bulk_export(actor):
        raise NotAllowed(
            "Bulk export is only for an organisation's registered system with the export scope."
        )
    unknown = set(types) - set(RESOURCE_TYPES)
    if unknown or not types:
        raise ValueError(f"Not resource types this server exports: {sorted(unknown)}")
    with transaction.atomic():
        job = BulkExportJob.objects.create(
            requested_by=actor.label[:200],
            client=client,
            organisation_id=client.organisation_id,
            request_url=request_url[:2000],
            types=[name for name in RESOURCE_TYPES if name in types],
        )
        record_event(
            actor=actor,
            action=REQUEST_ACTION,
            target_type="Export",
            target_id=job.pk,
            reason=f"Asked for a FHIR bulk export of {', '.join(job.types)}",
        )
        transaction.on_commit(lambda: run_in_background(job.pk))
    return job


def run_in_background(job_id: uuid.UUID) -> threading.Thread:
    thread = threading.Thread(
        target=_run_then_close, args=(job_id,), name=f"fhir-export-{job_id}", daemon=True
    )
    thread.start()
    return thread


def _run_then_close(job_id: uuid.UUID) -> None:
    try:
        run_bulk_export(job_id)
    except Exception:
        logger.exception("FHIR bulk export %s failed", job_id)
    finally:
        # The thread's own connection: nothing else would close it.
        connection.close()


# -- running -------------------------------------------------------------------------------


def run_bulk_export(job_id: uuid.UUID) -> BulkExportJob | None:
    """Run a queued job: write its files and record what was written, or why it failed. Does
    nothing (None) if the job is not waiting: another runner took it, or it was cancelled."""
    claimed = BulkExportJob.objects.filter(pk=job_id, status=BulkExportStatus.QUEUED).update(
        status=BulkExportStatus.RUNNING, started_at=timezone.now(), progress="Starting"
    )
    if not claimed:
        return None
    job = BulkExportJob.objects.select_related("organisation", "client__organisation").get(
        pk=job_id
    )
    folder = export_folder(job)
    try:
        result = export_fhir(
            folder,
            organisation=job.organisation,
            progress=_progress(job),
            types=job.types,
            actor=Actor.system_client(job.client, channel="fhir"),
        )
    except ExportCancelled:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    except Exception:
        logger.exception("FHIR bulk export %s failed", job.pk)
        shutil.rmtree(folder, ignore_errors=True)
        BulkExportJob.objects.filter(pk=job.pk).update(
            status=BulkExportStatus.FAILED,
            finished_at=timezone.now(),
            progress="",
            error="The export stopped with an error before it was finished, and no files were "
            "kept. The error has been logged for the joinedup team. Ask for a new export; if "
            "it fails again, tell the joinedup service desk the export's id.",
        )
        return BulkExportJob.objects.filter(pk=job.pk).first()
    finished = BulkExportJob.objects.filter(pk=job.pk, status=BulkExportStatus.RUNNING).update(
        status=BulkExportStatus.COMPLETED,
        finished_at=timezone.now(),
        progress="",
        output=[{"type": name, "count": result.counts[name].written} for name in job.types],
    )
    if not finished:  # cancelled as it finished
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return BulkExportJob.objects.get(pk=job.pk)


def _progress(job: BulkExportJob) -> Callable[[TypeCount], None]:
    done: list[str] = []

    def written(count: TypeCount) -> None:
        done.append(count.resource_type)
        still_there = BulkExportJob.objects.filter(pk=job.pk).update(
            progress=f"{len(done)} of {len(job.types)} resource types written"
        )
        if not still_there:
            raise ExportCancelled

    return written


def run_waiting_exports(*, stuck_after: timedelta = STUCK_AFTER) -> list[BulkExportJob]:
    """Run every job still waiting, oldest first, after putting back in the queue any job that
    has been running for longer than `stuck_after` (its thread died with the server). Returns
    the jobs that finished, completed or failed."""
    BulkExportJob.objects.filter(
        status=BulkExportStatus.RUNNING, started_at__lt=timezone.now() - stuck_after
    ).update(status=BulkExportStatus.QUEUED, progress="")
    waiting = BulkExportJob.objects.filter(status=BulkExportStatus.QUEUED).order_by("created_at")
    finished = []
    for job_id in list(waiting.values_list("pk", flat=True)):
        job = run_bulk_export(job_id)
        if job is not None:
            finished.append(job)
    return finished


def forget_old_exports(*, kept_for: timedelta = KEEP_FOR) -> int:
    """Delete the files and rows of exports that finished longer ago than `kept_for`: the files
    hold person data and the client has had its chance to download them. Returns how many."""
    old = BulkExportJob.objects.filter(finished_at__lt=timezone.now() - kept_for)
    forgotten = 0
    for job in old:
        shutil.rmtree(export_folder(job), ignore_errors=True)
        job.delete()
        forgotten += 1
    return forgotten


# -- the client that asked -----------------------------------------------------------------


def bulk_export_for(actor: Actor, job_id: str) -> BulkExportJob:
    """The job, for the client that asked for it and only while it may still export; NotFound
    otherwise, the same as for a job that does not exist."""
    try:
        parsed = uuid.UUID(job_id)
    except ValueError:
        raise NotFound from None
    if actor.client is None or not may_bulk_export(actor):
        raise NotFound
    job = BulkExportJob.objects.filter(pk=parsed, client=actor.client).first()
    if job is None:
        raise NotFound
    return job


def export_file_for(actor: Actor, job_id: str, resource_type: str) -> Path:
    """One completed file of the actor's job, audited as a download naming the client;
    NotFound for anything else."""
    job = bulk_export_for(actor, job_id)
    if job.status != BulkExportStatus.COMPLETED or resource_type not in job.types:
        raise NotFound
    path = export_folder(job) / f"{resource_type}.ndjson"
    if not path.is_file():
        raise NotFound
    record_event(
        actor=actor,
        action=DOWNLOAD_ACTION,
        target_type="Export",
        target_id=job.pk,
        reason=f"Downloaded {resource_type}.ndjson of a FHIR bulk export",
    )
    return path


def cancel_bulk_export(*, actor: Actor, job: BulkExportJob) -> None:
    """Forget the job and delete its files, whether it is waiting, running or done: a running
    export stops after the resource type it is writing. Audited, naming the client."""
    folder = export_folder(job)
    with transaction.atomic():
        record_event(
            actor=actor,
            action=CANCEL_ACTION,
            target_type="Export",
            target_id=job.pk,
            reason=f"Cancelled or deleted a FHIR bulk export ({job.get_status_display()})",
        )
        job.delete()
    shutil.rmtree(folder, ignore_errors=True)
