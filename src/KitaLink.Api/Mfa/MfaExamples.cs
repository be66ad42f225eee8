using KitaLink.Api.Infrastructure.Http;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Mfa;

/// <summary>OpenAPI examples of the second factor: setup, confirmation, sign-in completion, turning it off, the facility setting.</summary>
internal sealed class MfaExamples : IOpenApiExamples
{
    private const string Secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    private const string Uri = "otpauth://totp/KitaLink:julia.schneider%40example.com?secret=" + Secret +
        "&issuer=KitaLink&algorithm=SHA1&digits=6&period=30";

    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Responses[typeof(TotpEnrolmentResponse)] = new TotpEnrolmentResponse(Secret, Uri,
            "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
            Totp.Digits, Totp.StepSeconds);
        examples.Requests[typeof(ConfirmTotpRequest)] = new ConfirmTotpRequest("492039");
        examples.InvalidRequests[typeof(ConfirmTotpRequest)] = new ConfirmTotpRequest("49203");
        examples.Responses[typeof(RecoveryCodesResponse)] = new RecoveryCodesResponse(
        [
            "7KQ4-M9XD-R3VN-8HWC", "P2LT-6ZQE-W4YB-9NMA", "H8CF-3UJR-K5XS-2VDT", "Z9NW-4GPB-E7MQ-6LAX", "B3TR-8YKC-Q2HV-5WJN",
            "M6DX-9PZA-L4UE-3RFG", "S2WQ-7HNC-T8KY-4BVM", "F5JL-2XRE-N9GA-7QDP", "U4VB-6MTW-C3ZH-8KLS", "Y7PE-5DQN-R2XF-9JWA",
        ]);
        examples.Requests[typeof(CompleteMfaSignInRequest)] = new CompleteMfaSignInRequest(OpenApiExamples.MfaChallenge, "492039", null);
        examples.InvalidRequests[typeof(CompleteMfaSignInRequest)] = new CompleteMfaSignInRequest(OpenApiExamples.MfaChallenge, null, null);
        examples.Requests[typeof(DisableTotpRequest)] = new DisableTotpRequest(ParentPassword, "492039", null);
        examples.RequestsByOperation["disableStaffTotp"] = new DisableTotpRequest("Sonnenschein-Leitung-2026", "492039", null);
        examples.InvalidRequests[typeof(DisableTotpRequest)] = new DisableTotpRequest(ParentPassword, "12", null);
        examples.Responses[typeof(MfaStatusResponse)] = new MfaStatusResponse(true, 9, false);
        examples.ResponsesByOperation[("getStaffMfa", 200)] = new MfaStatusResponse(true, 10, true);
        examples.Requests[typeof(FacilityMfaSettingsRequest)] = new FacilityMfaSettingsRequest(true);
        examples.InvalidRequests[typeof(FacilityMfaSettingsRequest)] = new FacilityMfaSettingsRequest(null);
        examples.Responses[typeof(FacilityMfaSettingsResponse)] = new FacilityMfaSettingsResponse(true, 2);
    }
}
