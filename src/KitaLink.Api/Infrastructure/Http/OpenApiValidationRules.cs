using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentValidation;
using FluentValidation.Validators;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>What the validator of a request type enforces on one member, as JSON Schema keywords.</summary>
internal sealed record MemberConstraints(
    bool Required,
    bool NonNull,
    int? MinLength,
    int? MaxLength,
    string? Format,
    IReadOnlyList<string>? AllowedValues,
    decimal? Minimum,
    decimal? Maximum,
    string? Pattern = null)
{
    public void ApplyTo(OpenApiSchema schema)
    {
        var isString = schema.Type is { } type && type.HasFlag(JsonSchemaType.String);
        if (NonNull && schema.Type is { } nullable)
        {
            schema.Type = nullable & ~JsonSchemaType.Null;
        }
        if (isString)
        {
            if (MinLength is { } min)
            {
                schema.MinLength = Math.Max(schema.MinLength ?? 0, min);
            }
            if (MaxLength is { } max)
            {
                schema.MaxLength = schema.MaxLength is { } existing ? Math.Min(existing, max) : max;
            }
            if (Format is not null)
            {
                schema.Format = Format;
            }
            if (Pattern is not null)
            {
                schema.Pattern = Pattern;
            }
            if (AllowedValues is { Count: > 0 } values)
            {
                schema.Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
            }
        }
        if (Minimum is { } minimum)
        {
            schema.Minimum = minimum.ToString(CultureInfo.InvariantCulture);
        }
        if (Maximum is { } maximum)
        {
            schema.Maximum = maximum.ToString(CultureInfo.InvariantCulture);
        }
    }
}

/// <summary>
/// Reads the FluentValidation validators registered for request types (bodies and query records) and turns
/// their rules into schema keywords: NotNull/NotEmpty → required (and not nullable), lengths →
/// minLength/maxLength, EmailAddress → format email, InclusiveBetween/GreaterThan… → minimum/maximum, and
/// whatever a <see cref="IDocumentedRule"/> declares. Conditional rules (<c>When</c>) still constrain a
/// value that is present, so they add limits but never make a member required.
/// </summary>
internal sealed class ValidationRuleReader(IServiceProvider services)
{
    public IValidator? ValidatorFor(Type type) =>
        services.GetService(typeof(IValidator<>).MakeGenericType(type)) as IValidator;

    public MemberConstraints? ConstraintsFor(Type type, string memberName)
    {
        if (ValidatorFor(type) is not { } validator)
        {
            return null;
        }
        // By member, not by PropertyName: the global resolver renames properties to camelCase.
        var rules = validator.CreateDescriptor().Rules.Where(r => r.Member?.Name == memberName).ToList();
        if (rules.Count == 0)
        {
            return null;
        }

        bool required = false, nonNull = false;
        int? minLength = null, maxLength = null;
        decimal? minimum = null, maximum = null;
        string? format = null, pattern = null;
        IReadOnlyList<string>? allowed = null;
        var memberType = Nullable.GetUnderlyingType(MemberType(type, memberName) ?? typeof(object)) ?? MemberType(type, memberName);
        var integral = memberType == typeof(int) || memberType == typeof(long);

        foreach (var rule in rules)
        {
            foreach (var component in rule.Components)
            {
                var unconditional = !rule.HasCondition && !rule.HasAsyncCondition && !component.HasCondition && !component.HasAsyncCondition;
                switch (component.Validator)
                {
                    case INotNullValidator:
                        required |= unconditional;
                        nonNull |= unconditional;
                        break;
                    case INotEmptyValidator:
                        required |= unconditional;
                        nonNull |= unconditional;
                        minLength = Math.Max(minLength ?? 0, 1);
                        break;
                    case ILengthValidator length:
                        if (length.Min > 0)
                        {
                            minLength = Math.Max(minLength ?? 0, length.Min);
                        }
                        if (length.Max > 0)
                        {
                            maxLength = maxLength is { } m ? Math.Min(m, length.Max) : length.Max;
                        }
                        break;
                    case IEmailValidator:
                        format = "email";
                        break;
                    case IBetweenValidator between when between.Name.StartsWith("Inclusive", StringComparison.Ordinal):
                        minimum = ToDecimal(between.From);
                        maximum = ToDecimal(between.To);
                        break;
                    case IComparisonValidator { ValueToCompare: { } value } comparison when ToDecimal(value) is { } bound:
                        switch (comparison.Comparison)
                        {
                            case Comparison.GreaterThanOrEqual:
                                minimum = bound;
                                break;
                            case Comparison.GreaterThan when integral:
                                minimum = bound + 1;
                                break;
                            case Comparison.LessThanOrEqual:
                                maximum = bound;
                                break;
                            case Comparison.LessThan when integral:
                                maximum = bound - 1;
                                break;
                        }
                        break;
                    case IDocumentedRule documented:
                        var facets = documented.Facets;
                        if (facets.MinLength is { } min)
                        {
                            minLength = Math.Max(minLength ?? 0, min);
                        }
                        if (facets.MaxLength is { } max)
                        {
                            maxLength = maxLength is { } m ? Math.Min(m, max) : max;
                        }
                        format = facets.Format ?? format;
                        allowed = facets.AllowedValues ?? allowed;
                        pattern = facets.Pattern ?? pattern;
                        break;
                }
            }
        }
        return new MemberConstraints(required, nonNull, minLength, maxLength, format, allowed, minimum, maximum, pattern);
    }

    /// <summary>The CLR member behind a camelCase JSON property name.</summary>
    public static PropertyInfo? PropertyForJsonName(Type type, string jsonName) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name) == jsonName);

    private static Type? MemberType(Type type, string memberName) =>
        type.GetProperty(memberName, BindingFlags.Public | BindingFlags.Instance)?.PropertyType;

    private static decimal? ToDecimal(object? value) => value switch
    {
        int i => i,
        long l => l,
        decimal d => d,
        double d => (decimal)d,
        _ => null,
    };
}

/// <summary>Declares the validator's rules on request body schemas (see <see cref="ValidationRuleReader"/>).</summary>
internal sealed class ValidationRulesSchemaFilter(IServiceProvider services) : ISchemaFilter
{
    private readonly ValidationRuleReader _rules = new(services);

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema target || target.Properties is not { Count: > 0 } properties)
        {
            return;
        }
        if (_rules.ValidatorFor(context.Type) is null)
        {
            // Not validated, so not a request body: the service writes every property (null when empty).
            // Requests without a validator (logout) have only optional, nullable members.
            foreach (var (name, property) in properties)
            {
                if (property.Type is not { } type || !type.HasFlag(JsonSchemaType.Null))
                {
                    target.Required ??= new HashSet<string>();
                    target.Required.Add(name);
                }
            }
            return;
        }
        foreach (var (name, property) in properties)
        {
            if (ValidationRuleReader.PropertyForJsonName(context.Type, name) is not { } member
                || _rules.ConstraintsFor(context.Type, member.Name) is not { } constraints)
            {
                continue;
            }
            if (constraints.Required)
            {
                target.Required ??= new HashSet<string>();
                target.Required.Add(name);
            }
            if (property is OpenApiSchema inline)
            {
                constraints.ApplyTo(inline);
            }
        }
    }
}

/// <summary>Declares the validator's rules on query parameters bound from a record with <c>[AsParameters]</c>.</summary>
internal sealed class ValidationRulesParameterFilter(IServiceProvider services) : IParameterFilter
{
    private readonly ValidationRuleReader _rules = new(services);

    public void Apply(IOpenApiParameter parameter, ParameterFilterContext context)
    {
        if (parameter is not OpenApiParameter target || target.Schema is not OpenApiSchema schema)
        {
            return;
        }
        var metadata = context.ApiParameterDescription.ModelMetadata;
        if (metadata?.ContainerType is { } container && metadata.PropertyName is { } member
            && _rules.ConstraintsFor(container, member) is { } constraints)
        {
            constraints.ApplyTo(schema);
            if (constraints.Required)
            {
                target.Required = true;
            }
        }
        if (context.ParameterInfo?.GetCustomAttribute<System.ComponentModel.DataAnnotations.AllowedValuesAttribute>() is { } allowed)
        {
            schema.Enum = allowed.Values.Select(v => (JsonNode)JsonValue.Create(v?.ToString())!).ToList();
        }
    }
}

/// <summary>
/// A member typed as a nullable enum or record is written as <c>null</c> when empty, but Swashbuckle emits
/// a bare <c>$ref</c> for it. This makes it <c>oneOf: [$ref, {type: null}]</c>, so generated clients type it
/// as "X or null".
/// </summary>
internal sealed class NullableReferenceSchemaFilter : ISchemaFilter
{
    private readonly NullabilityInfoContext _nullability = new();

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema target || target.Properties is not { Count: > 0 } properties)
        {
            return;
        }
        foreach (var (name, property) in properties.ToList())
        {
            if (property is not OpenApiSchemaReference reference
                || ValidationRuleReader.PropertyForJsonName(context.Type, name) is not { } member
                || !IsNullable(member))
            {
                continue;
            }
            properties[name] = new OpenApiSchema
            {
                Description = reference.Description,
                OneOf = [new OpenApiSchemaReference(reference.Reference.Id!), new OpenApiSchema { Type = JsonSchemaType.Null }],
            };
        }
    }

    private bool IsNullable(PropertyInfo member) =>
        Nullable.GetUnderlyingType(member.PropertyType) is not null
        || (!member.PropertyType.IsValueType && _nullability.Create(member).ReadState == NullabilityState.Nullable);
}
