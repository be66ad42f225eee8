using KitaLink.Api.Auth;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Links;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Accounts;

/// <summary>OpenAPI examples of the registration and the parent's own account.</summary>
internal sealed class AccountsExamples : IOpenApiExamples
{
    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Requests[typeof(RegisterRequest)] = new RegisterRequest(ParentEmail, ParentPassword, Pin1, Pin2);
        examples.Requests[typeof(DeleteAccountRequest)] = new DeleteAccountRequest(ParentPassword);
        examples.Requests[typeof(ChangePasswordRequest)] = new ChangePasswordRequest(ParentPassword, "Regenbogen-Wiese-2027");
        examples.Responses[typeof(RegistrationResponse)] = new RegistrationResponse(
            new AccountResponse(AccountId, ParentEmail, Registered, 1), LinksExamples.LinkedChild, AuthExamples.Tokens);
        examples.Responses[typeof(AccountResponse)] = new AccountResponse(AccountId, ParentEmail, Registered, 2);
        examples.InvalidRequests[typeof(RegisterRequest)] = new RegisterRequest("julia.schneider@", "sonnenschein", Pin1, Pin2);
        examples.InvalidRequests[typeof(ChangePasswordRequest)] = new ChangePasswordRequest(ParentPassword, ParentPassword);
        examples.InvalidRequests[typeof(DeleteAccountRequest)] = new DeleteAccountRequest("");
        examples.Requests[typeof(EndParentSessionsRequest)] = new EndParentSessionsRequest(ParentEmail);
        examples.InvalidRequests[typeof(EndParentSessionsRequest)] = new EndParentSessionsRequest("julia.schneider");
    }
}
