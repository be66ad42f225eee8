using System.Net;
using System.Text.Json.Serialization;
using FluentValidation;
using KitaLink.Api.Infrastructure.Http;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Webhooks;

/// <summary>A new endpoint: where to send, which event types, and a note for the admins.</summary>
/// <remarks>Growable: unknown members are ignored (docs/integrators.md, "Compatibility").</remarks>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record CreateWebhookRequest(string Url, IReadOnlyList<string> EventTypes, string? Description = null);

/// <summary>
/// Changes of an endpoint; members left out stay as they are. <c>enabled: true</c> re-enables an endpoint that
/// was disabled (by an admin or after persistent failure), and its waiting deliveries are sent again; <c>false</c>
/// disables it. An empty <c>description</c> removes it.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record UpdateWebhookRequest(string? Url = null, IReadOnlyList<string>? EventTypes = null, string? Description = null, bool? Enabled = null);

/// <summary>Paging of the endpoint list (see <see cref="Paging"/>).</summary>
public sealed record WebhookListQuery(
    [property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "limit")] int? Limit,
    [property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "cursor")] string? Cursor)
{
    public const string List = "webhooks";
}

/// <summary>Paging of an endpoint's deliveries, newest first (see <see cref="Paging"/>).</summary>
public sealed record WebhookDeliveryListQuery(
    [property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "limit")] int? Limit,
    [property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "cursor")] string? Cursor)
{
    public const string List = "webhook-deliveries";
}

/// <summary>Position in a list ordered by (created, id).</summary>
public sealed record WebhookCursor(DateTimeOffset CreatedAt, Guid Id);

/// <summary>
/// The shape of an endpoint URL: absolute, <c>https</c> (plain <c>http</c> only where <c>Webhooks:AllowHttp</c> is
/// on, by default in Development), no credentials or fragment, and no literal address of a refused network.
/// Host names are checked when a request is made (<see cref="WebhookAddressGuard"/>), because their addresses
/// can change after this check.
/// </summary>
public sealed class WebhookUrlRule(IOptions<WebhookOptions> options, WebhookAddressGuard guard)
{
    public const int MaxLength = 2000;

    /// <summary>The rule without configuration (https only, no allowed network), for validators built outside the service.</summary>
    public static WebhookUrlRule Strict { get; } = new(
        Options.Create(new WebhookOptions { AllowHttp = false }),
        new WebhookAddressGuard(new SystemWebhookHostResolver(), Options.Create(new WebhookOptions())));

    public string? ProblemOf(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return "Use an absolute URL, e.g. https://kita-verwaltung.example/kitalink/webhooks.";
        }
        var httpAllowed = options.Value.AllowHttp == true;
        if (uri.Scheme != Uri.UriSchemeHttps && !(httpAllowed && uri.Scheme == Uri.UriSchemeHttp))
        {
            return httpAllowed ? "Use an https:// or http:// URL." : "Use an https:// URL.";
        }
        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            return "The URL must not contain credentials or a fragment (#...).";
        }
        if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && guard.RefusalOf(address) is { } kind)
        {
            return $"{address} is a {kind} address; only public addresses are called.";
        }
        return null;
    }
}

internal static class WebhookRules
{
    public const int MaxEventTypes = 32;
    public const int MaxDescriptionLength = 500;

    public static IRuleBuilderOptions<T, string?> WebhookUrl<T>(this IRuleBuilder<T, string?> rule, WebhookUrlRule urls) =>
        rule.MustDocumented(u => u is null || u.Length <= WebhookUrlRule.MaxLength, SchemaFacets.Length(max: WebhookUrlRule.MaxLength))
            .WithMessage($"At most {WebhookUrlRule.MaxLength} characters.")
            .Must(u => u is null || u.Length > WebhookUrlRule.MaxLength || urls.ProblemOf(u) is null)
            .WithMessage((_, u) => urls.ProblemOf(u!) ?? "");

    public static IRuleBuilderOptions<T, IReadOnlyList<string>?> EventTypeList<T>(this IRuleBuilder<T, IReadOnlyList<string>?> rule) =>
        rule.Must(types => types is null || (types.Count is > 0 and <= MaxEventTypes && types.All(WebhookEventTypes.IsSubscribable)))
            .WithMessage($"Name 1 to {MaxEventTypes} event types of: {string.Join(", ", WebhookEventTypes.All)}.");

    public static IRuleBuilderOptions<T, string?> Description<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(MaxDescriptionLength)
            .Must(s => s is null || !s.Any(char.IsControl))
            .WithMessage("Control characters are not allowed.");
}

public sealed class CreateWebhookRequestValidator : AbstractValidator<CreateWebhookRequest>
{
    public CreateWebhookRequestValidator(WebhookUrlRule? urls = null)
    {
        urls ??= WebhookUrlRule.Strict;
        RuleFor(r => r.Url).NotEmpty().WithMessage("The URL is required.").WebhookUrl(urls);
        RuleFor(r => r.EventTypes).NotNull().WithMessage("Name the event types to receive.").EventTypeList();
        RuleFor(r => r.Description).Description();
    }
}

public sealed class UpdateWebhookRequestValidator : AbstractValidator<UpdateWebhookRequest>
{
    public UpdateWebhookRequestValidator(WebhookUrlRule? urls = null)
    {
        urls ??= WebhookUrlRule.Strict;
        RuleFor(r => r.Url).WebhookUrl(urls);
        RuleFor(r => r.EventTypes).EventTypeList();
        RuleFor(r => r.Description).Description();
    }
}

public sealed class WebhookListQueryValidator : AbstractValidator<WebhookListQuery>
{
    public WebhookListQueryValidator()
    {
        RuleFor(q => q.Limit).PageLimit();
        RuleFor(q => q.Cursor).PageCursor<WebhookListQuery, WebhookCursor>(WebhookListQuery.List);
    }
}

public sealed class WebhookDeliveryListQueryValidator : AbstractValidator<WebhookDeliveryListQuery>
{
    public WebhookDeliveryListQueryValidator()
    {
        RuleFor(q => q.Limit).PageLimit();
        RuleFor(q => q.Cursor).PageCursor<WebhookDeliveryListQuery, WebhookCursor>(WebhookDeliveryListQuery.List);
    }
}
