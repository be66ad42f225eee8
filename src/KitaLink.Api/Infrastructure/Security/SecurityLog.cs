using System.Security.Claims;

namespace KitaLink.Api.Infrastructure.Security;

/// <summary>
/// Security events that are not audit events (no account or child to attach them to): rejected tokens,
/// denied access, refused input, exceeded limits. One log category, <see cref="Category"/>, so operators
/// can route and alert on it. Messages carry the client address, method, path and field or rule names,
/// never a submitted value, token or email.
/// </summary>
public static partial class SecurityLog
{
    public const string Category = "KitaLink.Security";

    public static ILogger For(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(Category);

    public static void RateLimited(HttpContext context, string rule, int retryAfterSeconds) =>
        LogRateLimited(For(context), rule, ClientAddress.Of(context), context.Request.Method, context.Request.Path, retryAfterSeconds);

    public static void Forbidden(HttpContext context) =>
        LogForbidden(For(context), context.User.Role() ?? "none", context.User.FindFirstValue(ClaimNames.Subject) ?? "none",
            context.Request.Method, context.Request.Path, ClientAddress.Of(context));

    public static void TokenRejected(HttpContext context, string reason) =>
        LogTokenRejected(For(context), context.Request.Method, context.Request.Path, ClientAddress.Of(context), reason);

    public static void ValidationFailed(HttpContext context, IEnumerable<string> fields) =>
        LogValidationFailed(For(context), context.Request.Method, context.Request.Path, ClientAddress.Of(context), string.Join(",", fields));

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "Rate limit {Rule} exceeded by {ClientAddress} on {Method} {Path}; retry after {RetryAfterSeconds} s")]
    private static partial void LogRateLimited(ILogger logger, string rule, string clientAddress, string method, string path, int retryAfterSeconds);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning,
        Message = "Access denied: {Role} {UserId} may not call {Method} {Path} (from {ClientAddress})")]
    private static partial void LogForbidden(ILogger logger, string role, string userId, string method, string path, string clientAddress);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning,
        Message = "Bearer token rejected on {Method} {Path} from {ClientAddress}: {Reason}")]
    private static partial void LogTokenRejected(ILogger logger, string method, string path, string clientAddress, string reason);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information,
        Message = "Request {Method} {Path} from {ClientAddress} refused: invalid {Fields}")]
    private static partial void LogValidationFailed(ILogger logger, string method, string path, string clientAddress, string fields);
}
