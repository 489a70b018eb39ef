from django.db import models


class Submission(models.Model):
    """A form's one-time token, claimed by the first request that carried it, and what that request did."""

    #: The random part of the token (the signature is checked before a row is made).
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(db_index=True)
    #: Filled once the action is done: the sentence it said and where it went. Blank ``to``: still being done.
    message = models.TextField(blank=True)
    to = models.CharField(max_length=2000, blank=True)

    def __str__(self) -> str:
        return f"submission {self.token[:8]}"
