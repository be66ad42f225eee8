using KitaLink.Api.Children;
using KitaLink.Api.Infrastructure.Http;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Links;

/// <summary>OpenAPI examples of the children a parent sees.</summary>
internal sealed class LinksExamples : IOpenApiExamples
{
    public static readonly LinkedChildResponse LinkedChild = new(ChildId, "Mia", "Schneider", new DateOnly(2022, 3, 14),
        "Marienkäfer", ChildStatus.Active, new FacilitySummary(FacilityId, FacilityName), Registered, ChildLinkStatus.Active, null, null);
    private static readonly LinkedChildResponse LinkedSibling = new(SiblingId, "Leon", "Schneider", new DateOnly(2020, 9, 2),
        "Igel", ChildStatus.Active, new FacilitySummary(FacilityId, FacilityName), SiblingLinked, ChildLinkStatus.Active, null, null);

    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Requests[typeof(LinkChildRequest)] = new LinkChildRequest("HZ6P-2TQA", "W8KM-5YRF", null);
        examples.Responses[typeof(LinkedChildResponse)] = LinkedChild;
        examples.Responses[typeof(LinkedChildListResponse)] = new LinkedChildListResponse([LinkedChild, LinkedSibling], null);
        examples.InvalidRequests[typeof(MyChildrenQuery)] = new MyChildrenQuery(null, 500, null);
        examples.ResponsesByOperation[("linkMyChild", 201)] = LinkedSibling;
        examples.InvalidRequests[typeof(LinkChildRequest)] = new LinkChildRequest("", "W8KM-5YRF", null);
        examples.Parameters["includeArchived"] = false;
    }
}
