from django.conf import settings
from django.utils.functional import SimpleLazyObject

from allout import pages


def site(request):
    return {"site_name": settings.SITE_NAME}


def per_visitor(request):
    """The visitor's own strings a page shows, or holes in a page rendered for the cache
    (allout.pages). After Django's own csrf processor, which this one overrides then."""
    csrf = pages.hole("csrf")
    context = {"current_path": pages.hole("path") or SimpleLazyObject(request.get_full_path)}
    if csrf is not None:
        context["csrf_token"] = csrf
    return context
