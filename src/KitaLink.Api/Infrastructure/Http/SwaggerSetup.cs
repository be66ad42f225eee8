using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace KitaLink.Api.Infrastructure.Http;

public static class SwaggerSetup
{
    public const string DocumentName = "v1";
    public const string BearerScheme = "bearer";

    public static IServiceCollection AddKitaLinkSwagger(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "KitaLink API",
                Version = "v1",
                Description = ApiDescription,
            });
            options.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "Access token from POST /api/v1/auth/token (parents) or POST /api/v1/staff/auth/token (staff, operators).",
            });
            options.OperationFilter<SecurityAndErrorsOperationFilter>();
            options.SupportNonNullableReferenceTypes();
            options.CustomSchemaIds(type => type.Name);
        });
        return services;
    }

    public static WebApplication UseKitaLinkSwagger(this WebApplication app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint($"/swagger/{DocumentName}/swagger.json", "KitaLink API v1");
            ui.DocumentTitle = "KitaLink API";
        });
        return app;
    }

    private const string ApiDescription =
        "Backend of the KitaLink parent app. A parent account is linked to a child with two PINs that travel on " +
        "two channels: PIN 1 on a printed letter the facility hands over, PIN 2 by email to the address the " +
        "facility entered. Errors are RFC 9457 problem details with a stable `code`.";
}

/// <summary>
/// Declares per operation whether it needs a bearer token (<c>security: []</c> when anonymous) and lists
/// the problem-details <c>code</c> values each error status can carry.
/// </summary>
internal sealed class SecurityAndErrorsOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var authorized = metadata.OfType<IAuthorizeData>().Any();
        operation.Security ??= [];
        operation.Security.Clear();
        if (authorized && !anonymous)
        {
            operation.Security.Add(new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(SwaggerSetup.BearerScheme, context.Document)] = [],
            });
        }

        var codes = metadata.OfType<ErrorCodesMetadata>().SelectMany(m => m.Codes).Distinct().ToList();
        if (authorized && !anonymous)
        {
            codes.Add(ErrorCodes.Unauthenticated);
            codes.Add(ErrorCodes.Forbidden);
        }
        if (operation.Responses is null)
        {
            return;
        }
        foreach (var group in codes.Distinct().GroupBy(c => ErrorCatalog.Get(c).Status))
        {
            var key = group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var description = string.Join(", ", group.Select(c => $"`{c}`"));
            if (operation.Responses.TryGetValue(key, out var existing) && existing is OpenApiResponse response)
            {
                response.Description = description;
            }
            else
            {
                operation.Responses[key] = new OpenApiResponse
                {
                    Description = description,
                    Content = new Dictionary<string, IOpenApiMediaType>
                    {
                        ["application/problem+json"] = new OpenApiMediaType()
                        {
                            Schema = context.SchemaGenerator.GenerateSchema(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), context.SchemaRepository),
                        },
                    },
                };
            }
        }
    }
}
