"""A real password hasher that counts its work, for tests that must see hashing happen."""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class CountingHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256"  # the same stored format: users made before still log in
    encoded = 0

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        CountingHasher.encoded += 1
        return super().encode(password, salt, iterations)
