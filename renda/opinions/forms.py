"""The forms of the opinion part: the resident's form, the rating, and the staff actions."""

from __future__ import annotations

import re

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from .. import clock
from ..areas.models import Community
from ..areas.queries import Lookup, community_label, find_community
from ..notify.models import Channel
from ..projects.models import Project
from ..projects.queries import open_for_comment
from ..vocabulary import Satisfaction
from .models import DECLINE_REASONS, OpinionCategory, OpinionSource

MOBILE = re.compile(r"^1[3-9][0-9]{9}$")  # ASCII digits only: \d would take full-width ones
# One address, nothing that could end a header or name a second recipient (ASCII, as SMTP servers take).
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
EMAIL_MESSAGE = lazy_gettext("电子邮箱格式不对，应像 name@example.com 这样")


def strip_text(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class HowReceived(FlaskForm):
    """How an opinion recorded by staff reached them: defined before the fields it shares with the resident's
    form, so that the form (and its error summary) asks it first."""

    source = RadioField("意见来源", choices=[SelectChoice(s.value, s.label) for s in OpinionSource
                                         if s is not OpinionSource.ONLINE],
                        validators=[InputRequired("请选择意见是怎么收到的")],
                        invalid_choice_message="请选择意见是怎么收到的")
    # The choices are the receptions the staff member may name (set by the page), by their public id.
    reception = SelectField("在哪一次接待日收集", validators=[Optional()],
                            invalid_choice_message="请选择列表中的接待日")


class OpinionFields(FlaskForm):
    """What every opinion says, however it came: where, what kind, about what, and who (optionally) sent it."""

    community = StringField(lazy_gettext("所在社区或村"), filters=[strip_text], validators=[
        DataRequired(lazy_gettext("请填写您所在的社区或村")),
        Length(max=100, message=lazy_gettext("社区或村的名称最多 100 个字")),
    ])
    category = SelectField(
        lazy_gettext("类别"), choices=[SelectChoice("", lazy_gettext("请选择"))]
        + [SelectChoice(c.value, lazy_gettext(c.chinese)) for c in OpinionCategory],
        validators=[DataRequired(lazy_gettext("请选择意见的类别"))],
    )
    subject = StringField(lazy_gettext("标题"), filters=[strip_text], validators=[
        DataRequired(lazy_gettext("请填写标题")), Length(max=100, message=lazy_gettext("标题最多 100 个字")),
    ])
    body = TextAreaField(lazy_gettext("具体内容"), filters=[strip_text], validators=[
        DataRequired(lazy_gettext("请填写具体内容")),
        Length(min=10, max=2000, message=lazy_gettext("具体内容应为 10 到 2000 个字")),
    ])
    name = StringField(lazy_gettext("姓名或称呼（选填）"), filters=[strip_text], validators=[
        Optional(), Length(max=50, message=lazy_gettext("姓名最多 50 个字")),
    ])

    # The community the resident named, once validation has looked it up (None before, or when it found none).
    found: Lookup | None = None

    def validate_community(self, field: StringField) -> None:
        """One community must answer, found like find-my-deputy finds it: checked with every other field, so
        that an ambiguous or unknown name is reported in the same answer as the other mistakes."""
        self.found = find_community(field.data)
        if self.found.candidates:
            names = gettext("、").join(community_label(c) for c in self.found.candidates[:5])
            raise ValidationError(gettext("有多个社区或村符合，请写完整名称，例如：%(names)s", names=names))
        if self.found.community is None:
            near = gettext("、").join(c.name for c in self.found.suggestions)
            if near:
                raise ValidationError(gettext("没有找到这个社区或村，请检查名称。您要找的是不是：%(names)s？",
                                              names=near))
            raise ValidationError(gettext("没有找到这个社区或村，请检查名称"))

    @property
    def community_found(self) -> Community | None:
        return self.found.community if self.found is not None else None

    def validate_category(self, field: SelectField) -> None:
        if field.data not in {c.value for c in OpinionCategory}:
            raise ValidationError(lazy_gettext("请选择列表中的类别"))


PHONE_MESSAGE = lazy_gettext("请填写 11 位手机号码，例如 13812345678")


NO_PROJECT = SelectChoice("", lazy_gettext("不是，是其他方面的意见"))


def project_category(project: Project) -> OpinionCategory:
    """The category a comment on `project` takes: the project's own where it names one of ours, else 其他."""
    try:
        return OpinionCategory.parse(project.category)  # type: ignore[return-value]  # a member of the class
    except ValueError:
        return OpinionCategory.OTHER


class OpinionForm(OpinionFields):
    """The resident's own form (CONTRACT.md "Opinion form")."""

    # A comment on a livelihood project's candidate, while its comment period is open: the choices are the
    # candidates open today (set by the page), checked again here however the post came.
    project = SelectField(lazy_gettext("对民生实事候选项目的意见"), choices=[NO_PROJECT], validate_choice=False,
                          validators=[Optional()])
    project_found: Project | None = None

    def offer_projects(self) -> list[Project]:
        """The candidates open for comment today, as the field's choices; none: the field is not offered."""
        candidates = open_for_comment(clock.today())
        self.project.choices = [NO_PROJECT] + [
            SelectChoice(p.slug, gettext("%(title)s（%(year)s 年候选项目）", title=p.title, year=p.year))
            for p in candidates]
        return candidates

    def validate(self, extra_validators: dict | None = None) -> bool:
        # A comment on a project has its category fixed by the project: looked up before the fields are checked.
        wanted = (self.project.data or "").strip()
        if wanted:
            self.project_found = next((p for p in self.offer_projects() if p.slug == wanted), None)
            if self.project_found is not None:
                self.category.data = project_category(self.project_found).value
        valid = super().validate(extra_validators)
        # An address only with e-mail notices, and then it is needed (the field's own check skips it when empty).
        if self.notify.data == Channel.EMAIL.value and not self.email.data and not self.email.errors:
            self.email.errors = [lazy_gettext("选择了邮件通知，请填写电子邮箱；不需要邮件通知的，请选择其他方式")]
            return False
        return valid

    def validate_project(self, field: SelectField) -> None:
        if (field.data or "").strip() and self.project_found is None:
            raise ValidationError(lazy_gettext("没有这个正在征求意见的民生实事候选项目：请从列表中选择，或选“不是”"))

    phone = StringField(lazy_gettext("手机号码"), filters=[strip_text], validators=[
        DataRequired(lazy_gettext("请填写手机号码")), Regexp(MOBILE, message=PHONE_MESSAGE),
    ])
    consent_pi = BooleanField(lazy_gettext("我同意本站按照《个人信息保护说明》处理我的姓名和手机号码"), validators=[
        DataRequired(lazy_gettext("需要您同意处理个人信息，才能转交您的意见")),
    ])
    consent_publish = BooleanField(lazy_gettext("我同意在去除个人信息后公开我的意见和答复（选填）"))
    notify = RadioField(lazy_gettext("有答复时通知我（选填）"), default="", choices=[
        SelectChoice("", lazy_gettext("不用通知，我自己凭回执码查询")),
        SelectChoice(Channel.SMS.value, lazy_gettext("短信（发到上面的手机号码）")),
        SelectChoice(Channel.EMAIL.value, lazy_gettext("电子邮件")),
    ], validators=[Optional()], invalid_choice_message=lazy_gettext("请选择一种通知方式"))
    email = StringField(lazy_gettext("电子邮箱（选择邮件通知时填写）"), filters=[strip_text], validators=[
        Optional(), Length(max=254, message=lazy_gettext("电子邮箱最多 254 个字符")),
        Regexp(EMAIL, message=EMAIL_MESSAGE),
    ])
    # A field people never see or fill; software that fills every field gives itself away.
    website = StringField(lazy_gettext("网站"), validators=[Optional()])

    @property
    def email_to_keep(self) -> str | None:
        """The address, kept only when the resident asked to hear by e-mail."""
        return self.email.data if self.notify.data == Channel.EMAIL.value and self.email.data else None


class RecordedOpinionForm(HowReceived, OpinionFields):
    """An opinion a liaison (or the committee's staff) writes down for a resident: a letter, a call, a visit, or
    what a resident said at a reception. The resident's name and phone where they gave them, checked as online."""

    phone = StringField("手机号码（选填）", filters=[strip_text], validators=[
        Optional(), Regexp(MOBILE, message=PHONE_MESSAGE),
    ])
    consent_pi = BooleanField("群众同意按照《个人信息保护说明》处理其姓名和手机号码（留了姓名或电话时必选）")
    consent_publish = BooleanField("群众同意在去除个人信息后公开其意见和答复")

    def validate_consent_pi(self, field: BooleanField) -> None:
        if (self.name.data or self.phone.data) and not field.data:
            raise ValidationError("留了姓名或电话的，须经群众同意处理其个人信息；不同意的，请不要填写姓名和电话")


class RatingForm(FlaskForm):
    phone_last4 = StringField(lazy_gettext("手机号码后四位"), filters=[strip_text], validators=[
        DataRequired(lazy_gettext("请输入提交时所留手机号码的后四位")),
        Regexp(r"^[0-9]{4}$", message=lazy_gettext("请输入 4 位数字")),
    ])
    rating = RadioField(lazy_gettext("您对答复是否满意？"),
                        choices=[SelectChoice(s.value, lazy_gettext(s.chinese)) for s in Satisfaction],
                        validators=[InputRequired(lazy_gettext("请选择满意程度"))])


class ActionForm(FlaskForm):
    """Accept, close: nothing to fill in but the optional internal note."""

    note = TextAreaField("内部备注（选填，不公开）", filters=[strip_text],
                         validators=[Optional(), Length(max=2000, message="备注最多 2000 字")])


class ForwardForm(ActionForm):
    unit = SelectField("交办单位", validators=[DataRequired("请选择交办单位")], validate_choice=False)


class DeclineForm(ActionForm):
    reason = SelectField("不予受理的理由", choices=[SelectChoice("", "请选择")] + [
        SelectChoice(key, text) for key, text in DECLINE_REASONS.items()
    ] + [SelectChoice("other", "其他（在下方说明）")], validators=[DataRequired("请选择理由")])
    explanation = TextAreaField("说明（选“其他”时必填，会告知群众）", filters=[strip_text],
                                validators=[Optional(), Length(max=2000, message="说明最多 2000 字")])

    def validate(self, extra_validators: dict | None = None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() ends the field's own chain when it is empty, so the rule that ties it to the reason lives here.
        if self.reason.data == "other" and not self.explanation.data:
            self.explanation.errors = [*self.explanation.errors, "选择“其他”时请填写说明"]
            return False
        return valid


class ReplyForm(ActionForm):
    public_reply = TextAreaField("答复（会在查询页面向群众公开）", filters=[strip_text], validators=[
        DataRequired("请填写答复"), Length(max=4000, message="答复最多 4000 字"),
    ])


class PublishForm(FlaskForm):
    public_text = TextAreaField("公开文本（去除姓名、电话、地址等个人信息后的意见内容）", filters=[strip_text],
                                validators=[Optional(), Length(max=2000, message="公开文本最多 2000 字")])


class ProposalLinkForm(FlaskForm):
    """The suggestion (or motion) a deputy raised from the opinion, named by its number."""

    number = StringField("议案建议编号", filters=[strip_text], validators=[
        DataRequired("请填写议案建议的编号，例如 18-2-045"), Length(max=40, message="编号最多 40 个字符"),
    ])
