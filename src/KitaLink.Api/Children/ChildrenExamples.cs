using KitaLink.Api.Guardians;
using KitaLink.Api.Infrastructure.Http;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Children;

/// <summary>OpenAPI examples of the facility's children and the child profile.</summary>
internal sealed class ChildrenExamples : IOpenApiExamples
{
    private static readonly ChildProfile Child = new(ChildId, "Mia", "Schneider", new DateOnly(2022, 3, 14), "Marienkäfer",
        ChildStatus.Active, ChildCreated, ChildCreated, [GuardiansExamples.Guardian]);

    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Requests[typeof(CreateChildRequest)] = new CreateChildRequest("Mia", "Schneider", new DateOnly(2022, 3, 14), "Marienkäfer");
        examples.Requests[typeof(UpdateChildRequest)] = new UpdateChildRequest(Status: ChildStatus.Left);
        examples.Responses[typeof(ChildProfile)] = Child;
        examples.Responses[typeof(ChildListResponse)] = new ChildListResponse(
        [
            new ChildSummary(SiblingId, "Leon", "Schneider", new DateOnly(2020, 9, 2), "Igel", ChildStatus.Active, 1, ChildCreated, ChildCreated),
            new ChildSummary(ChildId, "Mia", "Schneider", new DateOnly(2022, 3, 14), "Marienkäfer", ChildStatus.Active, 1, ChildCreated, ChildCreated),
        ], Paging.Encode(ChildListQuery.List, new ChildCursor("Schneider", "Mia", ChildId)));
        examples.ResponsesByOperation[("createChild", 201)] = Child with { Guardians = [] };
        examples.ResponsesByOperation[("updateChild", 200)] = Child with { Status = ChildStatus.Left, UpdatedAt = At("2027-07-31T15:00:00Z") };
        examples.InvalidRequests[typeof(CreateChildRequest)] = new CreateChildRequest("Mia", "", null, "Marienkäfer");
        examples.InvalidRequests[typeof(UpdateChildRequest)] = new UpdateChildRequest(FirstName: " ");
        examples.InvalidRequests[typeof(ChildListQuery)] = new ChildListQuery("gone", null, null, 500, null);
        examples.Parameters["childId"] = ChildId;
        examples.Parameters["status"] = "active";
        examples.Parameters["search"] = "Schn";
        examples.Parameters["group"] = "Marienkäfer";
        examples.Parameters["limit"] = 50;
        examples.Parameters["cursor"] = Paging.Encode(ChildListQuery.List, new ChildCursor("Schneider", "Leon", SiblingId));
    }
}
