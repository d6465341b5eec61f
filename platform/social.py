"""Accounts and the follow graph, stored column-wise for a million users."""

from __future__ import annotations

from array import array

import numpy as np

from .errors import Forbidden, InvalidInput, check_id
from .model import N_TOPICS, TOPICS_OF_MASK, AccountKind, User, topic_names


class Accounts:
    """Users (consumer, creator, brand, staff) with interests and follow edges.

    Follow membership is one set of packed ``follower << 32 | followee`` keys; adjacency lists
    are compact ``array`` buffers per user, created on first edge.
    """

    def __init__(self) -> None:
        self.kind = array("B")
        self.interests = array("H")  # topic bitmask
        self.created_at = array("d")
        self.n_followers = array("i")
        self.n_following = array("i")
        self.n_notes = array("i")
        #: Topic affinity learnt from the user's own engagement, N_TOPICS floats per user,
        #: as of ``learned_at`` (the declared interests start at 1 when the account opens).
        self.affinity = array("f")
        self.learned_at = array("d")
        self.names: list[str] = []
        self.id_by_name: dict[str, int] = {}
        self.edges: set[int] = set()
        self.following: dict[int, array] = {}
        self.followers: dict[int, array] = {}

    def __len__(self) -> int:
        return len(self.kind)

    # ------------------------------------------------------------ validation

    def check(self, user: int, field: str = "user") -> None:
        check_id(user, len(self.kind), field)

    def check_kind(self, user: int, kinds: tuple[AccountKind, ...], field: str) -> None:
        self.check(user, field)
        if self.kind[user] not in kinds:
            allowed = " or ".join(k.label for k in kinds)
            raise Forbidden(
                f"{field} {user} is a {AccountKind(self.kind[user]).label} account; "
                f"this needs a {allowed} account",
                field=field,
                value=user,
            )

    def check_new_name(self, name: object, max_chars: int) -> str:
        if not isinstance(name, str) or not name.strip() or len(name) > max_chars:
            raise InvalidInput(
                f"name must be a non-empty string of at most {max_chars} characters; got {name!r}",
                field="name",
                value=name,
            )
        if name in self.id_by_name:
            raise InvalidInput(
                f"name {name!r} is taken by user {self.id_by_name[name]}", field="name", value=name
            )
        return name

    def check_follow(self, follower: int, followee: int) -> None:
        self.check(follower, "user")
        self.check(followee, "target")
        if follower == followee:
            raise Forbidden(
                f"user {follower} cannot follow themself", field="target", value=followee
            )

    # ------------------------------------------------------------ mutation (no validation)

    def add(self, kind: int, interests: int, name: str, now: float) -> int:
        uid = len(self.kind)
        self.kind.append(kind)
        self.interests.append(interests)
        self.created_at.append(now)
        self.n_followers.append(0)
        self.n_following.append(0)
        self.n_notes.append(0)
        self.affinity.extend([1.0 if interests >> t & 1 else 0.0 for t in range(N_TOPICS)])
        self.learned_at.append(now)
        self.names.append(name)
        self.id_by_name[name] = uid
        return uid

    def add_many(self, kinds: np.ndarray, masks: np.ndarray, names: list[str], now: float) -> None:
        """:meth:`add` for each account in order, the columns extended in bulk."""
        first, n = len(self.kind), len(names)
        self.kind.frombytes(kinds.astype(np.uint8).tobytes())
        self.interests.frombytes(masks.astype(np.uint16).tobytes())
        self.created_at.frombytes(np.full(n, now, dtype=np.float64).tobytes())
        zeros = np.zeros(n, dtype=np.int32).tobytes()
        for column in (self.n_followers, self.n_following, self.n_notes):
            column.frombytes(zeros)
        declared = masks.astype(np.int64)[:, None] >> np.arange(N_TOPICS) & 1
        self.affinity.frombytes(declared.astype(np.float32).tobytes())
        self.learned_at.frombytes(np.full(n, now, dtype=np.float64).tobytes())
        self.names.extend(names)
        self.id_by_name.update(zip(names, range(first, first + n), strict=True))

    def is_following(self, follower: int, followee: int) -> bool:
        return (follower << 32 | followee) in self.edges

    def follow(self, follower: int, followee: int) -> None:
        self.edges.add(follower << 32 | followee)
        out = self.following.get(follower)
        if out is None:
            out = self.following[follower] = array("i")
        out.append(followee)
        inc = self.followers.get(followee)
        if inc is None:
            inc = self.followers[followee] = array("i")
        inc.append(follower)
        self.n_following[follower] += 1
        self.n_followers[followee] += 1

    def follow_many(self, followers: np.ndarray, followees: np.ndarray) -> None:
        """:meth:`follow` for each pair in order (no pair an edge yet, none repeated), with
        the adjacency lists grown in bulk: the same lists, in the same order."""
        self.edges.update((followers << 32 | followees).tolist())
        for lists, counts, keys, others in (
            (self.following, self.n_following, followers, followees),
            (self.followers, self.n_followers, followees, followers),
        ):
            order = np.argsort(keys, kind="stable")
            sorted_keys, sorted_others = keys[order], others[order].astype(np.int32)
            starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
            ends = np.r_[starts[1:], sorted_keys.size]
            # users in order of their first pair: the dicts' order as one-by-one follows
            users = sorted_keys[starts].tolist()
            bounds = np.c_[starts, ends].tolist()
            buf, size = sorted_others.tobytes(), sorted_others.itemsize
            for g in np.argsort(order[starts], kind="stable").tolist():
                user, (lo, hi) = users[g], bounds[g]
                chunk = buf[lo * size : hi * size]
                if (existing := lists.get(user)) is None:
                    lists[user] = array("i", chunk)
                else:
                    existing.frombytes(chunk)
                counts[user] += hi - lo

    def unfollow(self, follower: int, followee: int) -> None:
        self.edges.discard(follower << 32 | followee)
        self.following[follower].remove(followee)
        self.followers[followee].remove(follower)
        self.n_following[follower] -= 1
        self.n_followers[followee] -= 1

    def learn(self, user: int, topics: int, weight: float, now: float, half_life: float) -> None:
        """Move the user's topic affinity towards the topics they just engaged with, after
        fading what it held with ``half_life`` (hours; ``inf``: never): a time-decayed
        topic profile (Tang, Xu & Geva 2013), so recent engagement outweighs the interests
        declared at sign-up and the profile follows what the user reads."""
        base = user * N_TOPICS
        aff = self.affinity
        since = now - self.learned_at[user]
        if since > 0:
            self.learned_at[user] = now
            fade = 0.5 ** (since / half_life)
            if fade < 1.0:
                for i in range(base, base + N_TOPICS):
                    aff[i] *= fade
        for t in TOPICS_OF_MASK[topics]:
            aff[base + t] += weight

    # ------------------------------------------------------------ views

    def view(self, user: int) -> User:
        self.check(user)
        return User(
            id=user,
            name=self.names[user],
            kind=AccountKind(self.kind[user]).label,
            interests=topic_names(self.interests[user]),
            created_at=self.created_at[user],
            followers=self.n_followers[user],
            following=self.n_following[user],
            notes=self.n_notes[user],
        )

    def followees_of(self, user: int) -> tuple[int, ...]:
        return tuple(self.following.get(user, ()))

    def followers_of(self, user: int) -> tuple[int, ...]:
        return tuple(self.followers.get(user, ()))
