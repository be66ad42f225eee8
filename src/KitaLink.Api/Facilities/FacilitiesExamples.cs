using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Staff;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Facilities;

/// <summary>OpenAPI examples of the operator's facilities.</summary>
internal sealed class FacilitiesExamples : IOpenApiExamples
{
    private static readonly FacilityResponse Facility = new(FacilityId, FacilityName, FacilityCreated, [StaffExamples.Admin]);

    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Requests[typeof(CreateFacilityRequest)] = new CreateFacilityRequest(FacilityName);
        examples.Responses[typeof(FacilityResponse)] = Facility;
        examples.Responses[typeof(FacilityListResponse)] = new FacilityListResponse([Facility]);
        examples.InvalidRequests[typeof(CreateFacilityRequest)] = new CreateFacilityRequest("");
        examples.Parameters["facilityId"] = FacilityId;
    }
}
