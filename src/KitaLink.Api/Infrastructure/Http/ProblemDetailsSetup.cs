using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KitaLink.Api.Infrastructure.Http;

public static class ProblemDetailsSetup
{
    /// <summary>
    /// Every error leaves the service as problem details with <c>code</c>, localised <c>title</c> and
    /// <c>detail</c>, and <c>traceId</c> — whether a handler returned it, the framework produced an
    /// empty error status (unknown route, 405, auth), or an exception escaped.
    /// </summary>
    public static IServiceCollection AddKitaLinkProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = Customize);
        // After the default writer, which only writes for clients that accept JSON: an error of the PDF letter
        // (Accept: application/pdf) is still answered as problem details, not with a 500 for want of a writer.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProblemDetailsWriter, FallbackProblemDetailsWriter>());
        services.AddExceptionHandler<UnhandledExceptionHandler>();
        return services;
    }

    public static WebApplication UseKitaLinkProblemDetails(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    private static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        problem.Status = status;

        if (!problem.Extensions.TryGetValue("code", out var codeValue) || codeValue is not string code)
        {
            code = ErrorCatalog.CodeForStatus(status);
            problem.Extensions["code"] = code;
        }

        var entry = ErrorCatalog.Get(code);
        var german = ErrorCatalog.PrefersGerman(context.HttpContext.Request);
        problem.Title = german ? entry.TitleDe : entry.TitleEn;
        problem.Detail ??= german ? entry.DetailDe : entry.DetailEn;
        problem.Type = ErrorCatalog.TypeUri(code);
        problem.Instance ??= context.HttpContext.Request.Path;
        problem.Extensions["traceId"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
        context.HttpContext.Response.Headers.ContentLanguage = german ? "de" : "en";
        if (status == StatusCodes.Status401Unauthorized)
        {
            BearerChallenge.Apply(context.HttpContext);
        }
    }
}

/// <summary>
/// Maps the framework's request-reading failures (malformed JSON, wrong content type, oversized body)
/// to their problem details and turns everything else into a logged 500 without internals.
/// </summary>
internal sealed partial class UnhandledExceptionHandler(
    IProblemDetailsService problemDetails,
    ILogger<UnhandledExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        int status;
        string? detail = null;
        Dictionary<string, string[]>? errors = null;
        switch (exception)
        {
            case BadHttpRequestException bad:
                status = bad.StatusCode;
                if (status == StatusCodes.Status400BadRequest)
                {
                    // The message names the parameter or JSON position, never the submitted values.
                    errors = new Dictionary<string, string[]> { ["body"] = [DescribeBadRequest(bad)] };
                }
                LogBadRequest(logger, status, bad.GetType().Name);
                break;
            case KitaLink.Api.Infrastructure.Security.PasswordHashingBusyException:
                // Too many password checks at once: a quick, retryable answer instead of a long wait.
                status = StatusCodes.Status503ServiceUnavailable;
                httpContext.Response.Headers.RetryAfter = "1";
                LogBusy(logger);
                break;
            case var _ when KitaLink.Api.Infrastructure.Data.DatabaseUnavailable.Cause(exception) is { } cause:
                // PostgreSQL is away (stopped, restarting, unreachable, pool or command timeout): nothing was
                // committed, so the client may simply retry. A warning with the cause; the stack trace says nothing new.
                status = StatusCodes.Status503ServiceUnavailable;
                httpContext.Response.Headers.RetryAfter = KitaLink.Api.Infrastructure.Data.DatabaseUnavailable.RetryAfterSeconds
                    .ToString(System.Globalization.CultureInfo.InvariantCulture);
                KitaLink.Api.Infrastructure.Data.DatabaseUnavailable.Log(logger, httpContext.Request.Method, httpContext.Request.Path, cause);
                break;
            case OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested:
                // The client went away; nobody is left to read an answer.
                return true;
            default:
                status = StatusCodes.Status500InternalServerError;
                LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
                break;
        }

        if (httpContext.Response.HasStarted)
        {
            return true;
        }
        httpContext.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Detail = detail };
        problem.Extensions["code"] = ErrorCatalog.CodeForStatus(status);
        if (errors is not null)
        {
            problem.Extensions["errors"] = errors;
        }
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static string DescribeBadRequest(BadHttpRequestException exception) =>
        exception.InnerException switch
        {
            System.Text.Json.JsonException json => json.Path is { Length: > 1 } path
                ? $"The JSON body is invalid at '{path}'."
                : "The request body is not valid JSON.",
            _ when exception.Message.Contains("body was provided", StringComparison.Ordinal) => "A JSON request body is required.",
            _ => "The request could not be read.",
        };

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected unreadable request with {Status} ({Reason})")]
    private static partial void LogBadRequest(ILogger logger, int status, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Password hashing is saturated; answered 503")]
    private static partial void LogBusy(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}

/// <summary>
/// Writes problem details as <c>application/problem+json</c> whatever the request's <c>Accept</c> header says
/// (RFC 9110 lets an error answer ignore it); runs only when the default writer declined.
/// </summary>
internal sealed class FallbackProblemDetailsWriter(
    Microsoft.Extensions.Options.IOptions<ProblemDetailsOptions> options,
    Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        options.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync(
            context.ProblemDetails, json.Value.SerializerOptions, "application/problem+json", context.HttpContext.RequestAborted));
    }
}
