using System.Text.Json.Serialization;
using FluentValidation;
using KitaLink.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Mvc;

namespace KitaLink.Api.Children;

/// <remarks>Growable: unknown members are ignored (docs/integrators.md, "Compatibility").</remarks>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record CreateChildRequest(string FirstName, string LastName, DateOnly? DateOfBirth, string? Group = null);

/// <summary>Changes the given fields; absent or null fields stay as they are. An empty <c>group</c> removes the group.</summary>
public sealed record UpdateChildRequest(
    string? FirstName = null,
    string? LastName = null,
    DateOnly? DateOfBirth = null,
    string? Group = null,
    ChildStatus? Status = null);

/// <summary>Filters and paging of the child list (see <see cref="Paging"/>).</summary>
public sealed record ChildListQuery(
    [property: FromQuery(Name = "status")] string? Status,
    [property: FromQuery(Name = "search")] string? Search,
    [property: FromQuery(Name = "group")] string? Group,
    [property: FromQuery(Name = "limit")] int? Limit,
    [property: FromQuery(Name = "cursor")] string? Cursor)
{
    public const string List = "children";

    /// <summary>The status filter; query values are the API's snake_case words, matched exactly.</summary>
    public ChildStatus? StatusFilter => Status switch
    {
        "active" => ChildStatus.Active,
        "left" => ChildStatus.Left,
        _ => null,
    };
}

/// <summary>Position in the child list: its sort key (last name, first name, id).</summary>
public sealed record ChildCursor(string LastName, string FirstName, Guid Id);

internal static class ChildRules
{
    public const int MaxNameLength = 100;
    public const int MaxGroupLength = 100;

    /// <summary>Children in a daycare are young; anything older is a typo in the year.</summary>
    public const int MaxAgeYears = 18;

    public static IRuleBuilderOptions<T, DateOnly?> PlausibleDateOfBirth<T>(this IRuleBuilder<T, DateOnly?> rule, TimeProvider time) =>
        rule.Must(d => d is null || d <= Today(time))
            .WithMessage("The date of birth cannot be in the future.")
            .Must(d => d is null || d > Today(time).AddYears(-MaxAgeYears))
            .WithMessage($"The date of birth must be within the last {MaxAgeYears} years.");

    private static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
}

public sealed class CreateChildRequestValidator : AbstractValidator<CreateChildRequest>
{
    public CreateChildRequestValidator(TimeProvider time)
    {
        RuleFor(r => r.FirstName).PersonName(ChildRules.MaxNameLength);
        RuleFor(r => r.LastName).PersonName(ChildRules.MaxNameLength);
        RuleFor(r => r.DateOfBirth).NotNull().WithMessage("The date of birth is required.").PlausibleDateOfBirth(time);
        RuleFor(r => r.Group).OptionalLabel(ChildRules.MaxGroupLength);
    }
}

public sealed class UpdateChildRequestValidator : AbstractValidator<UpdateChildRequest>
{
    public UpdateChildRequestValidator(TimeProvider time)
    {
        RuleFor(r => r.FirstName).PersonName(ChildRules.MaxNameLength).When(r => r.FirstName is not null);
        RuleFor(r => r.LastName).PersonName(ChildRules.MaxNameLength).When(r => r.LastName is not null);
        RuleFor(r => r.DateOfBirth).PlausibleDateOfBirth(time);
        RuleFor(r => r.Group).OptionalLabel(ChildRules.MaxGroupLength);
        RuleFor(r => r.Status).IsInEnum();
    }
}

public sealed class ChildListQueryValidator : AbstractValidator<ChildListQuery>
{
    public ChildListQueryValidator()
    {
        RuleFor(q => q.Status).MustDocumented(s => s is null or "active" or "left", SchemaFacets.OneOf("active", "left")).WithMessage("Use \"active\" or \"left\".");
        RuleFor(q => q.Search).SearchText(100);
        RuleFor(q => q.Group).SearchText(ChildRules.MaxGroupLength);
        RuleFor(q => q.Limit).PageLimit();
        RuleFor(q => q.Cursor).PageCursor<ChildListQuery, ChildCursor>(ChildListQuery.List);
    }
}
