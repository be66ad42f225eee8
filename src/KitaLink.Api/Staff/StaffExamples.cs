using KitaLink.Api.Accounts;
using KitaLink.Api.Auth;
using KitaLink.Api.Infrastructure.Http;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Staff;

/// <summary>OpenAPI examples of staff sign-in and the facility's team.</summary>
internal sealed class StaffExamples : IOpenApiExamples
{
    public static readonly StaffResponse Admin = new(AdminId, AdminEmail, "Anna Becker", StaffRole.Admin, FacilityId, FacilityCreated.AddMinutes(5));
    public static readonly StaffResponse Educator = new(EducatorId, "lena.hoffmann@kita-sonnenschein.example", "Lena Hoffmann",
        StaffRole.Educator, FacilityId, At("2026-11-03T07:45:00Z"));

    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Requests[typeof(CreateStaffRequest)] = new CreateStaffRequest(AdminEmail, "Anna Becker", "Sonnenschein-Leitung-2026", FacilityStaffRole.Admin);
        examples.RequestsByOperation["createStaffToken"] = new CredentialsRequest(AdminEmail, "Sonnenschein-Leitung-2026");
        examples.RequestsByOperation["createFacilityStaff"] = new CreateStaffRequest("lena.hoffmann@kita-sonnenschein.example", "Lena Hoffmann",
            "Marienkaefer-Gruppe-2026", FacilityStaffRole.Educator);
        examples.Responses[typeof(StaffTokenResponse)] = new StaffTokenResponse(StaffAccessToken, "Bearer", PinsCreated.AddHours(1), 3600,
            new StaffProfile(AdminId, AdminEmail, "Anna Becker", StaffRole.Admin, FacilityId));
        examples.Responses[typeof(StaffResponse)] = Admin;
        examples.Responses[typeof(StaffListResponse)] = new StaffListResponse([Admin, Educator], null);
        examples.InvalidRequests[typeof(StaffListQuery)] = new StaffListQuery(0, null);
        examples.ResponsesByOperation[("createFacilityStaff", 201)] = Educator;
        examples.InvalidRequests[typeof(CreateStaffRequest)] = new CreateStaffRequest("anna.becker@kita-sonnenschein", "Anna Becker", "password1234", null);
        examples.Parameters["staffId"] = EducatorId;
        examples.ResponsesByOperation[("deactivateFacilityStaff", 200)] = Educator with { Active = false, DeactivatedAt = At("2026-11-28T16:05:00Z") };
        examples.ResponsesByOperation[("reactivateFacilityStaff", 200)] = Educator;
        examples.RequestsByOperation["requestStaffPasswordReset"] = new PasswordResetRequest(AdminEmail);
        examples.RequestsByOperation["changeStaffPassword"] = new ChangePasswordRequest("Sonnenschein-Leitung-2026", "Sonnenschein-Leitung-2027");
    }
}
