using Microsoft.Net.Http.Headers;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// <c>WWW-Authenticate</c> on every 401 (RFC 9110 §11.6.1, RFC 6750 §3): <c>Bearer error="invalid_token"</c>
/// when the request carried a bearer token that was not accepted (expired, revoked, malformed, wrong
/// signature), plain <c>Bearer</c> when it carried none. A client can thus tell "refresh or sign in again"
/// from "send a token".
/// </summary>
public static class BearerChallenge
{
    public const string NoToken = "Bearer";
    public const string InvalidToken = "Bearer error=\"invalid_token\"";

    public static void Apply(HttpContext http)
    {
        var headers = http.Response.Headers;
        if (headers.ContainsKey(HeaderNames.WWWAuthenticate))
        {
            return;
        }
        var authorization = http.Request.Headers.Authorization.ToString();
        var sentToken = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > "Bearer ".Length;
        headers.WWWAuthenticate = sentToken ? InvalidToken : NoToken;
    }
}
