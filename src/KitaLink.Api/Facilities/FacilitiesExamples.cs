using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Staff;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Facilities;

/// <summary>OpenAPI examples of the operator's facilities.</summary>
internal sealed class FacilitiesExamples : IOpenApiExamples
{
    public static readonly FacilityContact Contact = new("Müllerstraße 12\n13353 Berlin", "+49 30 1234567", "kita@sonnenschein.example");
    private static readonly FacilityResponse Facility = new(FacilityId, FacilityName, FacilityCreated, [StaffExamples.Admin], Contact);

    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Requests[typeof(CreateFacilityRequest)] = new CreateFacilityRequest(FacilityName);
        examples.Responses[typeof(FacilityResponse)] = Facility;
        examples.Responses[typeof(FacilityListResponse)] = new FacilityListResponse([Facility], null);
        examples.InvalidRequests[typeof(FacilityListQuery)] = new FacilityListQuery(500, null);
        examples.InvalidRequests[typeof(CreateFacilityRequest)] = new CreateFacilityRequest("");
        examples.Parameters["facilityId"] = FacilityId;
        examples.Requests[typeof(UpdateFacilityRequest)] = new UpdateFacilityRequest(Address: Contact.Address, Phone: Contact.Phone, Email: Contact.Email);
        examples.InvalidRequests[typeof(UpdateFacilityRequest)] = new UpdateFacilityRequest(Phone: "call us");
        examples.Requests[typeof(UpdateFacilityContactRequest)] = new UpdateFacilityContactRequest(Contact.Address, Contact.Phone, Contact.Email);
        examples.InvalidRequests[typeof(UpdateFacilityContactRequest)] = new UpdateFacilityContactRequest(Email: "kita@");
        examples.Responses[typeof(OwnFacilityResponse)] = new OwnFacilityResponse(FacilityId, FacilityName, Contact);
    }
}
