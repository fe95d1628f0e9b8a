"""The keyed pull: a petition's author organization reads the signers who asked for its
updates (GET /api/v1/petitions/<slug>/signatures/)."""

from __future__ import annotations

from typing import cast
from urllib.parse import urlencode

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from allout.i18n import neutral_reverse
from allout.links import absolute_url
from partners import services
from partners.authentication import ApiKeyAuthentication, HasApiKey, PerKeyThrottle
from partners.models import ApiKey
from partners.serializers import PullQuery, SignaturePage, WithdrawnPage, WithdrawnQuery


def page_body(request: Request, page: services.PulledPage) -> dict:
    """The OSDI collection page: totals, links to its neighbours, its items embedded."""

    def link(number: int) -> dict:
        # Only our own parameters go into the links: nothing else the client sent.
        query = {"since": request.query_params["since"]} if "since" in request.query_params else {}
        query.update(page=str(number), per_page=str(page.per_page))
        return {"href": absolute_url(f"{request.path}?{urlencode(query)}")}

    petition_path = neutral_reverse("petitions:detail", args=[page.petition.slug])
    links = {
        "self": link(page.page),
        "osdi:petition": {"href": absolute_url(petition_path)},
    }
    if page.page < page.total_pages:
        links["next"] = link(page.page + 1)
    if page.page > 1:
        links["prev"] = link(min(page.page - 1, max(page.total_pages, 1)))
    return {
        "total_pages": page.total_pages,
        "total_records": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "_links": links,
        "_embedded": {"osdi:signatures": page.items},
    }


ERROR = OpenApiTypes.OBJECT
ERRORS = {
    400: OpenApiResponse(ERROR, description="A bad parameter, named in the answer."),
    401: OpenApiResponse(ERROR, description="No key, or a wrong or revoked one."),
    404: OpenApiResponse(ERROR, description="No such petition of the key's organization."),
    429: OpenApiResponse(ERROR, description="Too many requests with this key."),
}


class PetitionSignatures(APIView):
    # Personal data for one organization: no session, no browsable HTML, no CORS (no
    # other site's page may read it), and never kept by a shared cache.
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    throttle_classes = [PerKeyThrottle]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="petition_signatures",
        summary="The signers who asked for the petition author's updates",
        description=(
            "For the petition's author organization only, with its API key. Confirmed "
            "signatures whose signer ticked “send me updates from the author”, oldest "
            "confirmation first (ties by identifier). A signer who withdraws that consent or "
            "deletes their signature is gone from the next pull. A petition the key's "
            "organization is not the author of is a 404, like one that does not exist."
        ),
        parameters=[PullQuery],
        responses={200: SignaturePage, **ERRORS},
        tags=["partners"],
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.answer(request, slug, PullQuery, services.pull_signatures, SignaturePage)

    def answer(self, request: Request, slug: str, query_class, pull, page_class) -> Response:
        """`pull`'s page for the query's parameters, as `page_class`; the JSON 404 for None."""
        query = query_class(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        page = pull(
            cast(ApiKey, request.auth),  # HasApiKey let only a key's request in
            slug,
            since=data.get("since"),
            page=data["page"],
            per_page=data["per_page"],
        )
        if page is None:
            raise exceptions.NotFound
        return Response(page_class(page_body(request, page)).data)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response


class WithdrawnSignatures(PetitionSignatures):
    @extend_schema(
        operation_id="petition_signatures_withdrawn",
        summary="The signatures the author organization must delete its copies of",
        description=(
            "For the petition's author organization only, with its API key. Each confirmed "
            "signature it could pull whose signer has since deleted it (or all their data) or "
            "stopped the author's updates, by the identifier the pull gave, oldest first; "
            "each is listed for 90 days, to the minute. Delete your copy of each: the signer "
            "asked us to. Ask from the last withdrawn_date you read minus a few minutes: one is "
            "stamped before its transaction commits. An organization that authored the "
            "petition before reads those of its signers."
        ),
        parameters=[WithdrawnQuery],
        responses={200: WithdrawnPage, **ERRORS},
        tags=["partners"],
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.answer(request, slug, WithdrawnQuery, services.pull_withdrawals, WithdrawnPage)
