"""Every demo assembly talks: a discussion with a reply, a mention and an edit, and an open sense check."""

import pytest
from django.utils import timezone

from confederal.node.assemblies.models import Assembly
from confederal.node.demo import seed_demo
from confederal.node.discussion.models import Comment, SenseCheck
from confederal.node.notices.models import Notice


@pytest.mark.slow
@pytest.mark.django_db
def test_it_shows_a_real_discussion_and_an_open_sense_check_in_every_demo_assembly():
    now = timezone.now()
    assert seed_demo(now)
    for assembly in Assembly.objects.all():
        comments = Comment.objects.filter(thread__assembly=assembly)
        assert comments.count() >= 2, assembly.slug
        assert comments.filter(parent__isnull=False).exists(), assembly.slug
        assert comments.filter(edited_at__isnull=False).exists(), assembly.slug
        assert Notice.objects.filter(assembly=assembly, kind="mention").exists(), assembly.slug
        assert SenseCheck.objects.filter(assembly=assembly, closes_at__gt=now).exists(), assembly.slug
        assert SenseCheck.objects.filter(assembly=assembly, answers__isnull=False).exists(), assembly.slug
    # The food hub and the energy co-op discuss a proposal that is still open for votes.
    for slug in ("food-hub", "energy-coop"):
        assert Comment.objects.filter(thread__assembly__slug=slug, thread__kind="proposal").exists()
        numbers = Comment.objects.filter(thread__assembly__slug=slug).values_list("thread__number", flat=True)
        assembly = Assembly.objects.get(slug=slug)
        assert assembly.proposals.filter(number__in=numbers, status="open").exists(), slug
