"""The ``engagement`` command: serve, consume, replay, prune, keys, token, db.

The same commands are also added to a host app's ``flask`` command as
``flask engagement ...``.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from sqlalchemy import select

from engagement import auth
from engagement import migrate as schema
from engagement import replay as replay_service
from engagement.config import RefusedSetting, uses_kafka
from engagement.directory import csv_import as directory_csv
from engagement.ledger import pruning as claim_pruning
from engagement.ledger.model import ApiKey
from engagement.lottery import draws as lottery_draws
from engagement.lottery import service as lottery
from engagement.lottery import verify as lottery_check
from engagement.notifications import mailer
from engagement.privacy import erasure
from engagement.privacy import retention as retention_service
from engagement.pulses import outbox as pulse_outbox
from engagement.serving import StopRequest, serve_until_stopped
from engagement.state import state
from engagement.workers import ConsumerThreads, background, pulse_sweeper

logger = logging.getLogger(__name__)
engagement_commands = AppGroup("engagement", help="Tillit engagement service.")


@engagement_commands.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--demo", is_flag=True,
              help="Also serve the demo intranet at /demo: tokens for made-up users, for anyone. Never in production.")
@with_appcontext
def serve(host: str, port: int, threads: int, demo: bool) -> None:
    """Serve the API (waitress) and, unless ENGAGEMENT_CONSUMERS=external, the read models."""
    from waitress.server import create_server
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    st = state(app)
    if demo and not st.config["ENGAGEMENT_DEMO"]:
        from engagement.demo import api as demo_pages
        demo_pages.install(app, st.config["ENGAGEMENT_URL_PREFIX"])
    schema.upgrade(st.engine)
    stop = StopRequest().install()  # before any thread starts: an early stop is honoured too
    work = background(app)
    work.start()  # the read models (and the mailer) run here unless ENGAGEMENT_CONSUMERS=external
    sockets: dict = {}
    server = create_server(app, map=sockets, host=host, port=port, threads=threads)
    prefix = st.config["ENGAGEMENT_URL_PREFIX"]
    bus = ("Kafka " + st.config["ENGAGEMENT_KAFKA_BOOTSTRAP_SERVERS"] if uses_kafka(st.config)
           else "embedded log " + st.config["ENGAGEMENT_EVENT_LOG"])
    click.echo(f"Tillit listening on http://{host}:{server.effective_port}{prefix}\n"
               f"  bus: {bus}\n"
               f"  database: {st.engine.url.render_as_string(hide_password=True)}\n"
               f"  consumers: {'in this process' if work.in_process else 'run `engagement consume`'}\n"
               f"  get an API key: engagement keys create --name intranet --scope events:write", err=False)
    if st.config["ENGAGEMENT_DEMO"]:
        click.echo(f"  DEMO: http://{host}:{server.effective_port}{prefix}/demo mints tokens for made-up users for "
                   "anyone who opens it and loads a made-up organisation; never run --demo in production")
    sys.stdout.flush()
    try:
        if not serve_until_stopped(server, sockets, stop):
            raise click.ClickException("the HTTP server stopped unexpectedly; see the log")
        click.echo("stopping after the batch in hand")
    finally:
        work.stop()


@engagement_commands.command("consume")
@click.argument("names", nargs=-1)
@with_appcontext
def consume(names: tuple[str, ...]) -> None:
    """Run read models (all, or the NAMES given) until SIGTERM.

    With the pulses read model it also releases closed pulses' waiting answers every
    ENGAGEMENT_PULSE_SWEEP_SECONDS (engagement/pulses/outbox.py; safe in many processes).

    On the embedded bus a read model another process of this machine applies already (a web
    process with ENGAGEMENT_CONSUMERS=in-process, say) waits for it to stop: one at a time."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = StopRequest().install()
    workers = ConsumerThreads(app, list(names) or None).start()
    sweeper = pulse_sweeper(app).start() if not names or "pulses" in names else None
    click.echo(f"consuming: {', '.join(r.model.name for r in workers.runners)}")
    sys.stdout.flush()
    try:
        if not stop.wait(workers.alive):
            raise click.ClickException("a consumer stopped unexpectedly; see the log")
        click.echo("stopping after the batch in hand")
    finally:
        workers.stop()
        if sweeper is not None:
            sweeper.stop()


@engagement_commands.command("replay")
@click.argument("names", nargs=-1)
@click.option("--after-retention", is_flag=True,
              help="Rebuild also read models that lose what retention deleted from the ledger.")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1),
              help="Read models rebuilt at once, one process each (up to the database's cores).")
@with_appcontext
def replay(names: tuple[str, ...], after_retention: bool, jobs: int) -> None:
    """Rebuild read models (all, or the NAMES given) from the ledger.

    Each read model is rebuilt in one transaction: until it commits, readers and its live consumer
    see the old state. Progress (events/s, time left) goes to stderr every few seconds; the events
    each read model applied are printed as JSON at the end."""
    def progress(step: replay_service.Progress) -> None:
        click.echo(str(step), err=True)

    try:
        counts = replay_service.replay(state(), list(names) or None, after_retention, jobs, progress)
    except replay_service.ReplayRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(counts))


@engagement_commands.command("mail")
@click.option("--once", is_flag=True, help="One pass (claim due digests, send them), then exit.")
@with_appcontext
def mail(once: bool) -> None:
    """Send e-mail digests (and the weekly early warnings) through ENGAGEMENT_SMTP_HOST; run exactly one mailer."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        mailer.recover(app)
        click.echo(json.dumps(mailer.run_once(app)))
        return
    stop = StopRequest().install()
    thread = mailer.MailerThread(app).start()
    stop.wait(thread.thread.is_alive)
    thread.stop()


@engagement_commands.command("warnings")
@with_appcontext
def warnings_command() -> None:
    """Send this week's early warnings now (e-mail and channel), if this week's are not sent yet."""
    click.echo(json.dumps(mailer.warn_now(current_app._get_current_object())))  # type: ignore[attr-defined]


@engagement_commands.command("retention")
@with_appcontext
def retention() -> None:
    """Delete raw events older than ENGAGEMENT_RETENTION_DAYS that every read model has applied (cron daily)."""
    click.echo(json.dumps(retention_service.prune(state(), datetime.now(UTC))))


@engagement_commands.command("prune")
@with_appcontext
def prune() -> None:
    """Forget event ids read models claimed over ENGAGEMENT_DEDUP_DAYS ago (the consumers do it hourly)."""
    st = state()
    try:
        result = claim_pruning.prune(st.engine, [m.name for m in st.read_models], st.config["ENGAGEMENT_DEDUP_DAYS"])
    except RefusedSetting as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(result))


@engagement_commands.group("pulses")
def pulses_commands() -> None:
    """Pulses (short surveys)."""


@pulses_commands.command("release")
@with_appcontext
def pulses_release() -> None:
    """Publish the answers waiting for pulses that have closed, once (the consumers, in-process or
    `engagement consume`, do it every ENGAGEMENT_PULSE_SWEEP_SECONDS)."""
    st = state()
    sent = pulse_outbox.sweep(st.db.session(), st.bus, datetime.now(UTC), st.config["ENGAGEMENT_MIN_GROUP_SIZE"],
                              st.token_secret)
    click.echo(json.dumps({"released": sent}))


@engagement_commands.group("lottery")
def lottery_commands() -> None:
    """The monthly lottery's commitments and draws."""


@lottery_commands.command("commit")
@with_appcontext
def lottery_commit() -> None:
    """Publish this month's and next month's commitments now (the consumers do it every sweep)."""
    st = state()
    lottery.ensure_commitments(st.db.session(), datetime.now(UTC), lottery.settings_of(st))
    click.echo(json.dumps({"committed": True}))


@lottery_commands.command("verify")
@click.argument("record", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--month", help="Check this drawn month from the database: its public record and its frozen list.")
@click.option("--commitment", help="The commitment you noted while the month ran: the record must be its draw.")
def lottery_verify(record: Path | None, month: str | None, commitment: str | None) -> None:
    """Recompute a draw's winners from its revealed seed: from RECORD (the JSON of GET
    /v1/lottery/<month>, no database needed) or, with --month, from this installation's database."""
    if (record is None) == (month is None):
        raise click.UsageError("Give a RECORD file or --month, one of them.")
    if record is not None:
        sys.exit(lottery_check.main([str(record), *(["--commitment", commitment] if commitment is not None else [])]))
    st = state()
    session, now = st.db.session(), datetime.now(UTC)
    public = lottery_draws.record(session, str(month), now, lottery.settings_of(st))
    found = lottery_check.problems(public) + lottery_draws.check_frozen(session, str(month))
    for problem in found:
        click.echo(f"FAILED: {problem}")
    if found:
        sys.exit(1)
    click.echo(f"OK: {month}'s winners follow from its revealed seed, and its frozen list from the published digest.")


@engagement_commands.group("keys")
def keys() -> None:
    """API keys for intranet back ends."""


@keys.command("create")
@click.option("--name", required=True, help="Who uses the key, e.g. intranet-news.")
@click.option("--scope", "scopes", multiple=True, required=True,
              type=click.Choice(sorted(auth.SCOPES)), help="Repeat for several scopes.")
@with_appcontext
def keys_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create a key and print it once."""
    session = state().db.session()
    key = auth.create_api_key(session, name, list(scopes))
    session.commit()
    click.echo(key)


@keys.command("list")
@with_appcontext
def keys_list() -> None:
    """Keys by prefix, name, scopes and state (never the secret)."""
    for row in state().db.session.scalars(select(ApiKey).order_by(ApiKey.id)):
        status = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
        click.echo(f"{row.prefix}  {row.name:<24} {row.scopes:<40} {status}")


@keys.command("revoke")
@click.argument("prefix")
@with_appcontext
def keys_revoke(prefix: str) -> None:
    """Revoke the key with PREFIX (the 8 characters after tlt_); takes effect within 2 s."""
    session = state().db.session()
    if not auth.revoke_api_key(session, prefix):
        raise click.ClickException(f"no key with prefix {prefix}")
    session.commit()
    click.echo(f"revoked {prefix}")


@engagement_commands.command("token")
@click.argument("subject")
@click.option("--ttl", default=900, show_default=True, help="Lifetime in seconds.")
@click.option("--role", "roles", multiple=True, help="e.g. leader")
@with_appcontext
def token(subject: str, ttl: int, roles: tuple[str, ...]) -> None:
    """Mint a user token for SUBJECT, as an intranet back end would (for trying things out)."""
    if state().sign_in.secret is None:
        raise click.ClickException("HS256 user tokens are off here (ENGAGEMENT_HS256_TOKENS=off): this "
                                   "instance takes only its OpenID Connect issuers' tokens. See docs/connect.")
    click.echo(auth.mint_user_token(state().token_secret, subject, ttl, roles))


@engagement_commands.group("directory")
def directory_commands() -> None:
    """People and teams."""


@directory_commands.command("erase")
@click.argument("person")
@with_appcontext
def directory_erase(person: str) -> None:
    """Erase PERSON (who has left) from the directory, every read model and the ledger."""
    click.echo(json.dumps(erasure.erase(state(), person)))


@directory_commands.command("import")
@click.argument("people", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--teams", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="teams.csv: id,name,parent")
@click.option("--mode", type=click.Choice(["delta", "full"]), default="delta", show_default=True,
              help="full: people missing from the file turn inactive")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"]), default=None,
              help="When team moves took effect (default now)")
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
@with_appcontext
def directory_import(people: Path, teams: Path | None, mode: str, as_of, dry_run: bool) -> None:
    """Import people.csv (id,name,email,team,role,locale,leaderboard_opt_out), all or nothing."""
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    try:
        report = directory_csv.import_csv(state().db.session(), people, teams, mode, dry_run, as_of)
    except directory_csv.CsvProblems as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s); nothing was imported") from exc
    click.echo(json.dumps(report))


@engagement_commands.group("db")
def db_commands() -> None:
    """Database schema migrations."""


@db_commands.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Bring Tillit's tables to REVISION (default: the newest)."""
    schema.upgrade(state().engine, revision)
    click.echo(f"database at {revision}")


@db_commands.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str) -> None:
    """Developers: write a new migration from the models."""
    schema.new_revision(state().engine, message)


def _create_app():
    """The app, or a one-line error naming the setting when its token secret or group size is unsafe."""
    from engagement.app import create_app
    from engagement.config import RefusedSetting
    from engagement.token_secret import InsecureTokenSecret
    try:
        return create_app()
    except (InsecureTokenSecret, RefusedSetting) as exc:
        raise click.ClickException(str(exc)) from exc


cli = FlaskGroup(create_app=_create_app, add_default_commands=False, load_dotenv=False,
                 help="Tillit: engagement events in, recognition out.")
for _command in engagement_commands.commands.values():
    cli.add_command(_command)


def main() -> None:
    cli.main(prog_name="engagement")
