using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// An expected failure as a value: handlers return it inside <c>Results&lt;...&gt;</c>; it is written as
/// RFC 9457 problem details whose title and detail come from <see cref="ErrorCatalog"/> in the caller's
/// language, with the stable <c>code</c> and the <c>traceId</c>.
/// </summary>
public sealed class ApiProblem : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    private ApiProblem(string code, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        Code = code;
        StatusCode = ErrorCatalog.Get(code).Status;
        Extensions = extensions ?? new Dictionary<string, object?>();
    }

    public string Code { get; }
    public int StatusCode { get; }
    int? IStatusCodeHttpResult.StatusCode => StatusCode;
    public IReadOnlyDictionary<string, object?> Extensions { get; }

    /// <summary>Seconds for the <c>Retry-After</c> header (rate limits, 503).</summary>
    public int? RetryAfterSeconds { get; private init; }

    public static ApiProblem Of(string code) => new(code);

    public static ApiProblem NotFound() => new(ErrorCodes.NotFound);

    public static ApiProblem Validation(IDictionary<string, string[]> errors) =>
        new(ErrorCodes.ValidationFailed, new Dictionary<string, object?> { ["errors"] = errors });

    public static ApiProblem Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ApiProblem EmailMismatch(string emailHint) =>
        new(ErrorCodes.EmailMismatch, new Dictionary<string, object?> { ["emailHint"] = emailHint });

    /// <summary><c>email_suspect</c> with the reasons (snake_case words) and the address probably meant, if any.</summary>
    public static ApiProblem EmailSuspect(IEnumerable<string> reasons, string? suggestion) =>
        new(ErrorCodes.EmailSuspect, new Dictionary<string, object?> { ["reasons"] = reasons.ToArray(), ["suggestion"] = suggestion });

    /// <summary><c>mfa_required</c>: the password was right; <c>challenge</c> completes the sign-in with a code until <c>challengeExpiresAt</c>.</summary>
    public static ApiProblem MfaRequired(string challenge, DateTimeOffset expiresAt) =>
        new(ErrorCodes.MfaRequired, new Dictionary<string, object?> { ["challenge"] = challenge, ["challengeExpiresAt"] = expiresAt });

    /// <summary><c>mfa_enrolment_required</c>: the password was right; <c>enrolmentToken</c> may only set up the second factor.</summary>
    public static ApiProblem MfaEnrolmentRequired(string enrolmentToken, DateTimeOffset expiresAt) =>
        new(ErrorCodes.MfaEnrolmentRequired, new Dictionary<string, object?> { ["enrolmentToken"] = enrolmentToken, ["enrolmentTokenExpiresAt"] = expiresAt });

    public static ApiProblem RateLimited(int retryAfterSeconds) =>
        new(ErrorCodes.RateLimited) { RetryAfterSeconds = Math.Max(1, retryAfterSeconds) };

    /// <summary>A passing shortage (PostgreSQL away, hashing saturated): try again in <paramref name="retryAfterSeconds"/>.</summary>
    public static ApiProblem Unavailable(int retryAfterSeconds) =>
        new(ErrorCodes.ServiceUnavailable) { RetryAfterSeconds = Math.Max(1, retryAfterSeconds) };

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCode;
        if (RetryAfterSeconds is { } seconds)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var problem = new ProblemDetails { Status = StatusCode };
        problem.Extensions["code"] = Code;
        foreach (var (key, value) in Extensions)
        {
            problem.Extensions[key] = value;
        }
        var service = httpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
        await service.WriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem });
    }

    // Handlers document their specific error codes with ProducesErrors(...); nothing generic to add here.
    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder)
    {
    }
}
