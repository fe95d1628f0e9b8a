from django.contrib.auth import get_user_model

from allout import demo


def test_the_demo_moderators_keep_campaigns_and_the_high_risk_list_but_not_the_outbox(db):
    moderator = get_user_model().objects.create(username="moderator@example.org", is_staff=True)
    moderator.groups.add(demo.moderators_group())
    assert moderator.has_perm("events.moderate_event")
    assert moderator.has_perm("allout.change_highriskcountry")
    assert moderator.has_perm("allout.add_campaign")
    assert not moderator.has_perm("allout.view_outboxemail")


def test_the_demo_moderators_cannot_read_participant_lists(db):
    moderator = get_user_model().objects.create(username="moderator@example.org", is_staff=True)
    moderator.groups.add(demo.moderators_group())
    assert moderator.has_perm("events.moderate_event")
    assert not moderator.has_perm("events.view_participants")
