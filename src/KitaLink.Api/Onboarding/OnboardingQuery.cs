using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using FluentValidation;
using KitaLink.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Mvc;

namespace KitaLink.Api.Onboarding;

/// <summary>Filters and paging of the onboarding overview.</summary>
public sealed record OnboardingQuery(
    [property: FromQuery(Name = "group")] string? Group,
    [property: FromQuery(Name = "state")] string? State,
    [property: FromQuery(Name = "limit")] int? Limit,
    [property: FromQuery(Name = "cursor")] string? Cursor)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    public const int MaxCursorLength = 600;

    public OnboardingState? StateFilter => State is null ? null : OnboardingStates.Parse(State);
}

public sealed class OnboardingQueryValidator : AbstractValidator<OnboardingQuery>
{
    public OnboardingQueryValidator()
    {
        RuleFor(q => q.Group).SearchText(100);
        RuleFor(q => q.State)
            .MustDocumented(s => s is null || OnboardingStates.Parse(s) is not null, SchemaFacets.OneOf(OnboardingStates.Words.ToArray()))
            .WithMessage($"Use one of: {string.Join(", ", OnboardingStates.Words)}.");
        RuleFor(q => q.Limit).InclusiveBetween(1, OnboardingQuery.MaxLimit);
        RuleFor(q => q.Cursor)
            .MustDocumented(c => c is null || OnboardingCursor.TryDecode(c, out _), SchemaFacets.Length(max: OnboardingQuery.MaxCursorLength))
            .WithMessage("Use the nextCursor of the previous page, unchanged.");
    }
}

/// <summary>
/// The position after the last guardian of a page: the sort key (child's last and first name, child id,
/// guardian id). Opaque to clients: base64url of a JSON array.
/// </summary>
public sealed record OnboardingCursor(string LastName, string FirstName, Guid ChildId, Guid GuardianId)
{
    public string Encode() =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new object[] { LastName, FirstName, ChildId, GuardianId }));

    public static bool TryDecode(string value, out OnboardingCursor? cursor)
    {
        cursor = null;
        if (value.Length is 0 or > OnboardingQuery.MaxCursorLength)
        {
            return false;
        }
        try
        {
            var parts = JsonSerializer.Deserialize<JsonElement[]>(Base64Url.DecodeFromChars(value));
            if (parts is not { Length: 4 } || parts[0].ValueKind != JsonValueKind.String || parts[1].ValueKind != JsonValueKind.String
                || !parts[2].TryGetGuid(out var childId) || !parts[3].TryGetGuid(out var guardianId))
            {
                return false;
            }
            cursor = new OnboardingCursor(parts[0].GetString()!, parts[1].GetString()!, childId, guardianId);
            return true;
        }
        catch (Exception exception) when (exception is FormatException or JsonException or InvalidOperationException or DecoderFallbackException)
        {
            return false;
        }
    }
}
