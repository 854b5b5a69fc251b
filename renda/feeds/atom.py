"""Feeds as data, and the one writer of an Atom document (RFC 4287) from them, with feedgen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator

# The date part of every tag: URI (RFC 4151). Fixed for good: an entry's id never changes once published.
TAG_DATE = "2026"
GENERATOR = "代表履职公开平台"  # in Chinese; a feed names its own generator (see Feed.generator)
ATOM_MEDIA_TYPE = "application/atom+xml"
# Feeds are read by programs that poll them: the latest entries only, so each answer stays small and cheap.
MAX_ENTRIES = 50


@dataclass(frozen=True)
class Entry:
    key: str  # the entry's lasting name within the site (`report/2025/zhang-minghua`), made into its id
    title: str
    link: str  # absolute
    updated: dt.datetime  # aware
    content: str  # plain text


@dataclass(frozen=True)
class Feed:
    key: str  # the feed's lasting name (`reports`)
    title: str
    subtitle: str
    link: str  # the page the feed follows, absolute
    self_link: str  # the feed itself, absolute
    author: str  # the organiser (主办单位)
    entries: Sequence[Entry]
    empty_updated: dt.datetime  # the feed's `updated` while it has no entries
    language: str = "zh-CN"  # the language tag of its texts
    generator: str = GENERATOR


def tag_authority(base_url: str) -> str:
    """The host name of the site's address (no port, no scheme), the authority of its tag: URIs."""
    return (urlsplit(base_url).hostname or "localhost").lower()


def tag_uri(authority: str, key: str) -> str:
    """A tag: URI (RFC 4151) naming `key` on the site: the same for as long as the site keeps its address."""
    return f"tag:{authority},{TAG_DATE}:{key}"


def atom_document(feed: Feed, authority: str) -> bytes:
    """The feed as an Atom document: an id, title and `updated` for the feed and each entry, links absolute."""
    generator = FeedGenerator()
    generator.id(tag_uri(authority, f"feed/{feed.key}"))
    generator.title(feed.title)
    generator.subtitle(feed.subtitle)
    generator.author({"name": feed.author})
    generator.link(href=feed.link, rel="alternate", type="text/html")
    generator.link(href=feed.self_link, rel="self", type=ATOM_MEDIA_TYPE)
    generator.language(feed.language)
    generator.generator(feed.generator)
    generator.updated(max((e.updated for e in feed.entries), default=feed.empty_updated))
    for entry in feed.entries:
        item = generator.add_entry(order="append")
        item.id(tag_uri(authority, entry.key))
        item.title(entry.title)
        item.link(href=entry.link, rel="alternate", type="text/html")
        item.updated(entry.updated)
        item.content(entry.content, type="text")
    return generator.atom_str(pretty=False)
