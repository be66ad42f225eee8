using FluentValidation;
using FluentValidation.Validators;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// What a validation rule means for the OpenAPI document: the JSON Schema keywords it enforces. The
/// schema filter reads these from the registered validators, so the published limits cannot drift from
/// the checks the service runs.
/// </summary>
public sealed record SchemaFacets
{
    public int? MinLength { get; init; }
    public int? MaxLength { get; init; }
    public string? Format { get; init; }
    public IReadOnlyList<string>? AllowedValues { get; init; }

    /// <summary>An ECMA-262 regular expression the (trimmed) value matches.</summary>
    public string? Pattern { get; init; }

    public static SchemaFacets Length(int? min = null, int? max = null) => new() { MinLength = min, MaxLength = max };

    public static SchemaFacets OfFormat(string format) => new() { Format = format };

    public static SchemaFacets OneOf(params string[] values) => new() { AllowedValues = values };

    public static SchemaFacets Matching(string pattern) => new() { Pattern = pattern };
}

/// <summary>A rule FluentValidation cannot describe by itself (a predicate) that declares its schema facets.</summary>
public interface IDocumentedRule
{
    SchemaFacets Facets { get; }
}

/// <summary>
/// <c>Must(predicate)</c> plus the facets the predicate enforces. Behaves exactly like FluentValidation's
/// predicate validator (same default message); only the OpenAPI document reads <see cref="Facets"/>.
/// </summary>
public sealed class DocumentedPredicateValidator<T, TProperty>(Func<TProperty, bool> predicate, SchemaFacets facets)
    : PropertyValidator<T, TProperty>, IDocumentedRule
{
    public override string Name => "PredicateValidator";

    public SchemaFacets Facets { get; } = facets;

    public override bool IsValid(ValidationContext<T> context, TProperty value) => predicate(value);

    protected override string GetDefaultMessageTemplate(string errorCode) =>
        "The specified condition was not met for '{PropertyName}'.";
}

public static class DocumentedRuleExtensions
{
    /// <summary>Like <c>Must</c>, and tells the OpenAPI document which schema keywords the predicate enforces.</summary>
    public static IRuleBuilderOptions<T, TProperty> MustDocumented<T, TProperty>(
        this IRuleBuilder<T, TProperty> rule, Func<TProperty, bool> predicate, SchemaFacets facets) =>
        rule.SetValidator(new DocumentedPredicateValidator<T, TProperty>(predicate, facets));
}
