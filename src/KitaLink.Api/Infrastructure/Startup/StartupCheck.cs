using Microsoft.Extensions.Options;
using Npgsql;

namespace KitaLink.Api.Infrastructure.Startup;

/// <summary>A required setting is not configured; the message names it (as an environment variable).</summary>
public sealed class SettingMissingException(string message) : Exception(message);

/// <summary>
/// Checks the configuration before the host starts, so that a missing or invalid setting ends the process with
/// exit code 1 and one line on standard error naming the setting, instead of an aborted host and a stack trace.
/// </summary>
internal static class StartupCheck
{
    /// <summary>The line to print, or null when the service can start. <c>migrate</c> needs only the connection string.</summary>
    public static string? Problem(IServiceProvider services, bool migrateOnly)
    {
        try
        {
            if (!migrateOnly)
            {
                // The same validations ValidateOnStart would run when the host starts (keys, options ranges).
                services.GetService<IStartupValidator>()?.Validate();
            }
            services.GetRequiredService<NpgsqlDataSource>();
            return null;
        }
        catch (Exception exception) when (ValidationFailures(exception).ToList() is { Count: > 0 } failures)
        {
            return "KitaLink cannot start: " + string.Join("; ", failures);
        }
        catch (SettingMissingException exception)
        {
            return "KitaLink cannot start: " + exception.Message;
        }
    }

    /// <summary>Each failure as "Section__Member: error" (the environment variable to set), or the validator's own text.</summary>
    private static IEnumerable<string> ValidationFailures(Exception exception)
    {
        var all = exception is AggregateException aggregate ? aggregate.InnerExceptions : [exception];
        foreach (var validation in all.OfType<OptionsValidationException>())
        {
            var section = validation.OptionsType.GetField("Section")?.GetRawConstantValue() as string
                ?? validation.OptionsType.Name.Replace("Options", "", StringComparison.Ordinal);
            foreach (var failure in validation.Failures)
            {
                var annotation = s_dataAnnotationFailure.Match(failure);
                yield return annotation.Success
                    ? $"{section}__{annotation.Groups["member"].Value}: {annotation.Groups["error"].Value}"
                    : failure.ReplaceLineEndings(" ");
            }
        }
    }

    private static readonly System.Text.RegularExpressions.Regex s_dataAnnotationFailure = new(
        "^DataAnnotation validation failed for '[^']*' members: '(?<member>[^']*)' with the error: '(?<error>.*)'\\.$",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);
}
