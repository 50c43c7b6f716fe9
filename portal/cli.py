"""Command-line tasks: `flask seed-demo`, `flask create-user`, `flask storage import-files`."""
from __future__ import annotations

import random

import click
from flask import Flask
from sqlalchemy import func, select

from portal.demo import seed_demo, seed_petitions
from portal.extensions import db


def register_cli(app: Flask) -> None:
    from portal.jobs.cli import register as register_jobs

    register_jobs(app)

    @app.cli.command("seed-demo")
    @click.option("--petitions", "petitions", type=int, default=0,
                  help="Also generate this many petitions (for scale tests).")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database has accounts.")
    def seed_demo_command(petitions: int, if_empty: bool) -> None:
        """Load the demo plan, agencies and accounts (password demo12345)."""
        from portal.auth.models import User

        has_users = db.session.scalar(select(func.count(User.id))) > 0
        if not (if_empty and has_users):
            created = seed_demo()
            click.echo("Đã nạp dữ liệu mẫu." if created else "Dữ liệu mẫu đã có sẵn.")
        if petitions:
            seed_petitions(petitions, rng=random.Random(2024))
            click.echo(f"Đã sinh thêm {petitions} ý kiến, kiến nghị.")
        click.echo("Tài khoản mẫu (mật khẩu demo12345): vanphong (Văn phòng), chutri (chủ trì), "
                   "so-tnmt, so-xd (cán bộ sở), theodoi (theo dõi), admin (quản trị).")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice(["office", "chair", "officer", "observer", "admin"]),
                  required=True)
    @click.option("--full-name", required=True)
    @click.option("--agency", "agency_short", default=None, help="Short name of the agency.")
    @click.password_option()
    def create_user(username, role, full_name, agency_short, password):
        """Create an account (the first admin of a new installation, say)."""
        from portal.admin.models import Agency
        from portal.auth.models import Role, User

        agency_id = None
        if agency_short:
            agency_id = db.session.scalar(select(Agency.id).where(Agency.short_name == agency_short))
            if agency_id is None:
                raise click.BadParameter(f"không có cơ quan {agency_short}", param_hint="--agency")
        if role == "officer" and agency_id is None:
            raise click.BadParameter("cán bộ cơ quan cần --agency", param_hint="--agency")
        user = User(username=username, full_name=full_name, role=Role(role), agency_id=agency_id)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"Đã tạo tài khoản {username}.")


    @app.cli.group("storage")
    def storage_group() -> None:
        """Kho tệp đính kèm (cơ sở dữ liệu, S3 hoặc thư mục)."""

    @storage_group.command("import-files")
    @click.option("--folder", default=None,
                  help="The old upload folder (default: UPLOAD_FOLDER, else instance/uploads).")
    def import_files_command(folder: str | None) -> None:
        """Move the attachments still on this host's disk into the file store in use (the
        database by default), checked against their recorded SHA-256; safe to rerun."""
        from portal import storage
        from portal.tracker.models import Attachment

        folder = folder or storage.upload_folder()
        wanted = {a.stored_name: (a.sha256, a.content_type)
                  for a in db.session.scalars(select(Attachment))}
        done = storage.import_files(folder, wanted, each=lambda key: db.session.commit())
        db.session.commit()
        click.echo(f"Đã chuyển {len(done.moved)} tệp vào kho ({storage.store().name}); "
                   f"{len(done.already)} tệp đã có sẵn.")
        for key in done.missing:
            click.echo(f"Thiếu tệp {key} trong {folder}.", err=True)
        for key in done.damaged:
            click.echo(f"Tệp {key} không khớp mã SHA-256 đã ghi; chưa chuyển.", err=True)
        if done.missing or done.damaged:
            raise SystemExit(1)
