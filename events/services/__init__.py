"""The events app's workflows, one module per use case.

Each function runs in one transaction, takes the acting user where there is one, queues its
emails through events.emails in that transaction (so a rolled-back step sends nothing) and
raises an events.errors.EventsError whose message is meant for the person who acted.

- registration: organizers register and edit events; what an edit changed, and who is told
- moderation: staff approve, reject, unpublish; public abuse reports and their queue
- rsvp: sign up, confirm (double opt-in), cancel
- reminders: the day-before and hours-before reminders
- organizer: messages to participants, cancelling, the outcome after the day
- erasure: participants' data erased after the event, and the "my data" page
- recap: the cities that took part, after the day
"""
