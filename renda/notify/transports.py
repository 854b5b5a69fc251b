"""The two ways a message leaves: e-mail through SMTP (`SMTP_URL`), SMS through an HTTP relay (`SMS_GATEWAY_URL`,
CONTRACT.md: a POST of JSON `{"id", "to", "text"}` signed with `X-Signature: sha256=<HMAC-SHA256 hex>`)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate

SMS_MAX_CHARS = 70
SMS_NUMBER = re.compile(r"\+86 ?1[3-9][0-9]{9}")
TIMEOUT = 10  # seconds, for the SMTP server and the relay alike


class DeliveryError(Exception):
    """The message did not leave: the reason, kept on the outbox row and shown to admins."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_gateway_url(url: str) -> str | None:
    """Why `url` may not be the SMS relay (None: it may): HTTPS, or plain HTTP to this machine only."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return None
    return "SMS_GATEWAY_URL 必须是 https:// 地址（只有本机地址可以用 http://）"


def one_line(value: str) -> str:
    """A header value: no line breaks, so that nothing a resident typed can add a header."""
    return re.sub(r"[\r\n\x00-\x1f\x7f]+", " ", value).strip()


def send_email(smtp_url: str, sender: str, recipient: str, subject: str, body: str, message_id: str) -> None:
    parts = urllib.parse.urlsplit(smtp_url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise DeliveryError("SMTP_URL 应为 smtp://用户:密码@主机:端口 或 smtps://…")
    message = EmailMessage()
    message["From"] = one_line(sender)
    message["To"] = one_line(recipient)
    message["Subject"] = one_line(subject)
    message["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<{message_id}@{one_line(domain)}>"
    message.set_content(body)
    port = parts.port or (465 if parts.scheme == "smtps" else 587)
    try:
        if parts.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(parts.hostname, port, timeout=TIMEOUT,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(parts.hostname, port, timeout=TIMEOUT)
        with client:
            client.ehlo()
            if parts.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if parts.username:
                client.login(urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"SMTP：{type(error).__name__}: {error}"[:500]) from None


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_sms(gateway_url: str, secret: str, message_id: str, to: str, text: str) -> None:
    problem = check_gateway_url(gateway_url)
    if problem:
        raise DeliveryError(problem)
    if not SMS_NUMBER.fullmatch(to):
        raise DeliveryError("短信号码应为 +86 加 11 位手机号码")
    if len(text) > SMS_MAX_CHARS:
        raise DeliveryError(f"短信最多 {SMS_MAX_CHARS} 字")
    body = json.dumps({"id": message_id, "to": to.replace(" ", ""), "text": text}, ensure_ascii=False).encode()
    request = urllib.request.Request(gateway_url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "X-Signature": sign(secret, body)})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            if not 200 <= answer.status < 300:
                raise DeliveryError(f"短信网关答复 {answer.status}")
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"短信网关答复 {error.code}") from None
    except (OSError, ValueError) as error:
        raise DeliveryError(f"短信网关：{type(error).__name__}: {error}"[:500]) from None
