using FluentValidation;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>Runs the request record's FluentValidation validator before the handler (shape only, no domain rules).</summary>
public sealed class ValidationFilter<TRequest>(IValidator<TRequest> validator) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.Arguments.OfType<TRequest>().FirstOrDefault();
        if (request is null)
        {
            Security.SecurityLog.ValidationFailed(context.HttpContext, ["body"]);
            return ApiProblem.Validation("body", "A JSON request body is required.");
        }
        var result = await validator.ValidateAsync(request, context.HttpContext.RequestAborted);
        if (!result.IsValid)
        {
            var errors = result.ToDictionary();
            Security.SecurityLog.ValidationFailed(context.HttpContext, errors.Keys);
            return ApiProblem.Validation(errors);
        }
        return await next(context);
    }
}

public static class EndpointConventions
{
    /// <summary>Validates the <typeparamref name="TRequest"/> body and documents the 400 answer.</summary>
    public static RouteHandlerBuilder WithValidation<TRequest>(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<ValidationFilter<TRequest>>().ProducesErrors(ErrorCodes.ValidationFailed);

    /// <summary>
    /// Documents the problem-details answers an endpoint can give, by code. The OpenAPI document lists
    /// each status with the codes it carries.
    /// </summary>
    public static TBuilder ProducesErrors<TBuilder>(this TBuilder builder, params string[] codes)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new ErrorCodesMetadata(codes));
        foreach (var status in codes.Select(c => ErrorCatalog.Get(c).Status).Distinct())
        {
            builder.WithMetadata(new Microsoft.AspNetCore.Http.ProducesResponseTypeMetadata(
                status, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
        }
        return builder;
    }
}

/// <summary>Endpoint metadata: the error codes this endpoint can answer with.</summary>
public sealed record ErrorCodesMetadata(IReadOnlyList<string> Codes);
