"""The staff area's own pages: sign-in, dashboard, accounts and the audit trail."""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
from typing import Any

from flask import Blueprint, Response, abort, flash, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms.fields.choices import SelectChoice

from ..db import db, utcnow
from ..deputies.models import Deputy, DeputyGroup
from ..notify.outbox import failed_messages
from ..opinions.models import counts_by_status, format_code, overdue_opinions
from ..proposals.queries import overdue_proposals
from ..records.review import oldest_waiting, waiting_count
from ..reports.queries import draft_reports
from ..web import count_against, forgive, paginate, render, see_other
from .access import add_staff_link, any_account, any_staff, audit, role_required
from .forms import AccountEditForm, AccountForm, ConfirmForm, LoginForm, NotificationSettingsForm
from .models import (
    FAILED_LOGIN,
    LOGIN_ADDRESS_LIMIT,
    LOGIN_LIMIT,
    PASSWORD_METHOD,
    UNKNOWN_ACCOUNT,
    AuditEvent,
    Role,
    StaffUser,
)
from .queries import failed_login_alerts

bp = Blueprint("staff", __name__, url_prefix="/staff")


def _account_scope(form: LoginForm) -> str:
    """Which account is being tried, from this address: the counter an attacker elsewhere cannot run up."""
    return "login:" + (form.username.data or "").strip().lower()[:50]


# A hash to check the password against when the account does not exist, so that the answer takes as long as
# for an account that does: the time it takes must not tell which usernames exist.
@functools.cache
def _dummy_password_hash() -> str:
    return generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    form = LoginForm()
    error = None
    if request.method == "POST":
        # Counted before anything is checked, in one statement each, so that attempts sent at once from several
        # processes cannot get past the limit between a check and its count.
        refusal = count_against(LOGIN_ADDRESS_LIMIT, "login") or count_against(LOGIN_LIMIT, _account_scope(form))
        if refusal is not None:
            message = f"登录操作过于频繁（{refusal.label()}）。请在 {refusal.when()}再试。"
            return refusal.answer(render("staff/login.html", form=form, error=message, status=429))
    if form.validate_on_submit():
        user = db.session.scalars(
            select(StaffUser).where(func.lower(StaffUser.username) == form.username.data.strip().lower())
        ).first()
        # The password is checked whether the account exists and is active or not: the same work, the same time.
        password_ok = check_password_hash(user.password_hash if user else _dummy_password_hash(), form.password.data)
        if user is not None and user.active and password_ok:
            session.clear()  # a new session: nothing from before the login carries over
            login_user(user)
            forgive(LOGIN_LIMIT, _account_scope(form))  # the right password: earlier slips are forgiven
            audit("login", "staff_user", user.username)
            db.session.commit()
            return see_other(_safe_next() or url_for("staff.dashboard"))
        # Recorded under the account's name only: what was typed for an unknown one may be a password.
        audit(FAILED_LOGIN, "staff_user", user.username if user else UNKNOWN_ACCOUNT, f"来自 {get_remote_address()}")
        db.session.commit()
        # One message whether the account exists or not.
        error = "用户名或密码不正确，或账号已停用。"
    status = 400 if request.method == "POST" else 200
    return render("staff/login.html", form=form, error=error, status=status)


# A page of the staff area to go back to after signing in: a local path, without backslashes, spaces or control
# characters (a newline would end up in the Location header).
SAFE_NEXT = re.compile(r"/staff(?:[/?][^\s\\\x00-\x1f\x7f-\x9f]*)?")


def _safe_next() -> str | None:
    target = request.args.get("next", "")
    return target if SAFE_NEXT.fullmatch(target) and "//" not in target else None


@bp.post("/logout")
@any_account
def logout() -> Response:
    """Sign out: the account's session epoch moves on, so no copy of this session's cookie opens anything again
    (nor any other session of the account: logging out signs out everywhere)."""
    current_user.session_epoch += 1
    audit("logout", "staff_user", current_user.username)
    db.session.commit()
    logout_user()
    session.clear()
    flash("您已退出登录。")
    return see_other(url_for("staff.login"))


@bp.get("/accounts")
@role_required(Role.ADMIN)
def accounts() -> Response:
    users = db.session.scalars(
        select(StaffUser).options(selectinload(StaffUser.group), selectinload(StaffUser.deputy))
        .order_by(StaffUser.username)
    ).all()
    return render("staff/accounts.html", users=users, confirm=ConfirmForm())


def _group_choices() -> list[SelectChoice]:
    groups = db.session.scalars(select(DeputyGroup).order_by(DeputyGroup.slug))
    return [SelectChoice("", "（不属于小组）")] + [SelectChoice(str(g.id), g.name) for g in groups]


def _deputy_choices() -> list[SelectChoice]:
    """Every deputy, by pinyin, the slug beside the name (two deputies may share a name); one account each,
    which the form checks."""
    deputies = db.session.execute(select(Deputy.id, Deputy.name, Deputy.slug).order_by(Deputy.pinyin, Deputy.slug))
    return [SelectChoice("", "（不是代表账号）")] + [SelectChoice(str(i), f"{name}（{slug}）")
                                                   for i, name, slug in deputies]


@bp.route("/accounts/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def account_new() -> Response:
    form = AccountForm()
    form.group.choices, form.deputy.choices = _group_choices(), _deputy_choices()
    if form.validate_on_submit():
        role = Role(form.role.data)
        user = StaffUser(username=form.username.data.strip(), role=role, group_id=form.chosen_group_id(),
                         deputy_id=form.chosen_deputy_id(), notify_new=False, notify_overdue=False)
        user.set_password(form.password.data)
        notices = form.notification_changes(user)
        db.session.add(user)
        db.session.flush()
        audit("create", "staff_user", user.username, f"角色：{role.label}"
              + (f"；代表：{user.deputy.name}" if user.deputy else "") + "".join(f"；{n}" for n in notices))
        db.session.commit()
        flash(f"已创建账号 {user.username}。")
        return see_other(url_for("staff.accounts"))
    return render("staff/account_form.html", form=form, user=None, status=400 if request.method == "POST" else 200)


@bp.route("/accounts/<int:user_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def account_edit(user_id: int) -> Response:
    user = db.get_or_404(StaffUser, user_id)
    form = AccountEditForm(data={"role": user.role.value, "group": str(user.group_id or ""),
                                 "deputy": str(user.deputy_id or ""), "active": user.active,
                                 **notification_data(user)})
    form.group.choices, form.deputy.choices = _group_choices(), _deputy_choices()
    form.account_id = user.id
    if form.validate_on_submit() and _keeps_own_access(form, user):
        changes = _apply_account_changes(form, user)
        if changes:
            audit("update", "staff_user", user.username, "；".join(changes))
            db.session.commit()
            if user.id == current_user.id and form.password.data:
                login_user(user)  # a new password ends the account's sessions: not the one that set it
            flash(f"已保存账号 {user.username} 的修改：{'；'.join(changes)}。")
        else:
            flash(f"账号 {user.username} 没有修改。")
        return see_other(url_for("staff.accounts"))
    return render("staff/account_form.html", form=form, user=user, status=400 if request.method == "POST" else 200)


def _keeps_own_access(form: AccountEditForm, user: StaffUser) -> bool:
    """An admin may not take away their own admin role or account: someone must be left to manage the others."""
    if user.id != current_user.id:
        return True
    if form.role.data != Role.ADMIN:
        form.role.errors.append("不能取消自己的管理员角色，请由另一位管理员操作")
    if not form.active.data:
        form.active.errors.append("不能停用自己的账号")
    return not (form.role.errors or form.active.errors)


def _apply_account_changes(form: AccountEditForm, user: StaffUser) -> list[str]:
    """Set what the form changes on the account; the changes in words, for the audit trail and the message."""
    changes = []
    role, group_id, deputy_id = Role(form.role.data), form.chosen_group_id(), form.chosen_deputy_id()
    old_group, new_group = user.group, db.session.get(DeputyGroup, group_id) if group_id else None
    old_deputy, new_deputy = user.deputy, db.session.get(Deputy, deputy_id) if deputy_id else None
    if role is not user.role:
        changes.append(f"角色 {user.role.label} → {role.label}")
    if new_group is not old_group:
        changes.append(f"代表小组 {old_group.name if old_group else '无'} → {new_group.name if new_group else '无'}")
    if new_deputy is not old_deputy:
        changes.append(f"代表 {old_deputy.name if old_deputy else '无'} → {new_deputy.name if new_deputy else '无'}")
    # Together: a liaison always has a group, a deputy's account its deputy.
    user.role, user.group, user.deputy = role, new_group, new_deputy
    if form.active.data != user.active:
        changes.append("启用账号" if form.active.data else "停用账号")
        user.active = form.active.data
    if form.password.data:
        changes.append("重设密码")
        user.set_password(form.password.data)
    return changes + form.notification_changes(user)


def notification_data(user: StaffUser) -> dict[str, Any]:
    """An account's notification settings as a form's starting data."""
    return {"email": user.email or "", "mobile": user.mobile or "", "notify_new": user.notify_new,
            "notify_overdue": user.notify_overdue}


@bp.route("/notifications", methods=["GET", "POST"])
@any_staff
def my_notifications() -> Response:
    """A staff member's own notification settings: only their own, so the page names no account."""
    user = current_user
    form = NotificationSettingsForm(data=notification_data(user))
    if form.validate_on_submit():
        changes = form.notification_changes(user)
        if changes:
            audit("update", "staff_user", user.username, "通知设置：" + "；".join(changes))
            db.session.commit()
            flash(f"已保存通知设置：{'；'.join(changes)}。")
        else:
            flash("通知设置没有修改。")
        return see_other(url_for("staff.my_notifications"))
    return render("staff/notifications.html", form=form, status=400 if request.method == "POST" else 200)


@bp.post("/accounts/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def account_deactivate(user_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = db.get_or_404(StaffUser, user_id)
    if user.id == current_user.id:
        flash("不能停用自己的账号。")
        return see_other(url_for("staff.accounts"))
    if user.active:
        user.active = False
        audit("deactivate", "staff_user", user.username)
        db.session.commit()
        flash(f"已停用账号 {user.username}，其登录状态立即失效。")
    return see_other(url_for("staff.accounts"))


# The audit trail in words: what each recorded action and record type is called (a code not listed shows as is).
AUDIT_ACTIONS = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出登录", "create": "新建", "update": "修改",
    "deactivate": "停用",
    "view_personal": "查看个人信息", "accepted": "受理", "forwarded": "交办", "replied": "答复", "closed": "办结",
    "declined": "不予受理", "publish": "发布", "unpublish": "撤回发布", "cancel": "取消", "move": "改期",
    "import": "导入", "proposal.update": "登记办理情况",
    "record": "代为登记", "link_proposal": "关联议案建议", "unlink_proposal": "取消关联议案建议",
    "reported": "填报", "resubmitted": "修改后重新提交", "confirmed": "确认", "returned": "退回",
    "project.vote": "记录票决结果", "project.done": "记录完成日期", "commitment.revisit": "记录回头看",
}
AUDIT_RECORD_TYPES = {
    "staff_user": "工作人员账号", "opinion": "群众意见", "report_back": "述职报告", "reception": "接待日",
    "deputy": "代表", "roster": "代表名册", "proposal": "议案建议", "contact": "联系代表记录",
    "activity": "小组活动", "duty_entry": "履职登记", "project": "民生实事项目", "project_update": "民生实事项目进展",
    "supervision": "监督事项", "commitment": "整改承诺",
}


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit_log() -> Response:
    statement = select(AuditEvent).options(selectinload(AuditEvent.staff)).order_by(AuditEvent.id.desc())
    filters = {name: request.args.get(name, "").strip()[:120] for name in ("staff", "action", "record_type", "q")}
    if filters["staff"]:
        statement = statement.join(AuditEvent.staff).where(StaffUser.username == filters["staff"])
    if filters["action"]:
        statement = statement.where(AuditEvent.action == filters["action"])
    if filters["record_type"]:
        statement = statement.where(AuditEvent.record_type == filters["record_type"])
    if filters["q"]:
        statement = statement.where(AuditEvent.record_key.contains(filters["q"], autoescape=True))
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    record_types = db.session.scalars(select(AuditEvent.record_type).distinct().order_by(AuditEvent.record_type)).all()
    return render("staff/audit.html", pager=paginate(statement), filters=filters, actions=actions,
                  record_types=record_types, action_labels=AUDIT_ACTIONS, record_type_labels=AUDIT_RECORD_TYPES)


add_staff_link("staff.accounts", "账号管理", Role.ADMIN)
add_staff_link("staff.audit_log", "操作记录", Role.ADMIN)
add_staff_link("staff.my_notifications", "我的通知设置", Role.LIAISON, Role.EDITOR)




SHOWN = 10
DUTIES_SHOWN = 5


@bp.get("/")
@any_account
def dashboard() -> Response:
    if current_user.role is Role.DEPUTY:  # a deputy's account has one page: their own record of duties
        return see_other(url_for("records_staff.my_duties"))
    data: dict[str, Any] = {}
    if current_user.role is Role.ADMIN:
        data["login_alerts"] = failed_login_alerts(utcnow() - dt.timedelta(days=1))
        data["failed_messages"] = failed_messages(SHOWN)
    if current_user.has_role(Role.LIAISON):
        group_id = None if current_user.role is Role.ADMIN else current_user.group_id
        data.update(opinion_counts=counts_by_status(group_id), overdue_opinions=overdue_opinions(group_id, SHOWN),
                    format_code=format_code)
    if current_user.has_role(Role.EDITOR):
        data.update(drafts=draft_reports(SHOWN), overdue_proposals=overdue_proposals(SHOWN),
                    waiting_duties=waiting_count(), oldest_duties=oldest_waiting(DUTIES_SHOWN))
    return render("staff/dashboard.html", **data)
