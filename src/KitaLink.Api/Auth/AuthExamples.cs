using KitaLink.Api.Infrastructure.Http;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Auth;

/// <summary>OpenAPI examples of the parent sign-in, tokens and password reset.</summary>
internal sealed class AuthExamples : IOpenApiExamples
{
    public static readonly TokenResponse Tokens = new(AccessToken, "Bearer", 900, Registered.AddMinutes(15), OpenApiExamples.RefreshToken, Registered.AddDays(30));

    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Requests[typeof(CredentialsRequest)] = new CredentialsRequest(ParentEmail, ParentPassword);
        examples.Requests[typeof(RefreshRequest)] = new RefreshRequest(OpenApiExamples.RefreshToken);
        examples.Requests[typeof(LogoutRequest)] = new LogoutRequest(OpenApiExamples.RefreshToken);
        examples.Requests[typeof(PasswordResetRequest)] = new PasswordResetRequest(ParentEmail);
        examples.Requests[typeof(PasswordResetConfirmRequest)] = new PasswordResetConfirmRequest("Xq3vL8pR2mT7wK9zB4nC6dF1gH5jY0sA2eU8iO3aZ7c", "Regenbogen-Wiese-2027");
        examples.Responses[typeof(TokenResponse)] = Tokens;
        examples.InvalidRequests[typeof(CredentialsRequest)] = new CredentialsRequest(ParentEmail, "");
        examples.InvalidRequests[typeof(PasswordResetConfirmRequest)] = new PasswordResetConfirmRequest("Xq3vL8pR2mT7wK9zB4nC6dF1gH5jY0sA2eU8iO3aZ7c", "kurz");
        examples.InvalidRequests[typeof(RefreshRequest)] = new RefreshRequest("");
        examples.InvalidRequests[typeof(PasswordResetRequest)] = new PasswordResetRequest("");
    }
}
