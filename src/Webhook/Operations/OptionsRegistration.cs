using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Webhook.Operations;

public static class OptionsRegistration
{
    /// <summary>Binds a section, checks its data annotations at start, and names failures by configuration key.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, string section) where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section));
        return services.AddOptions<T>()
            .Configure<IConfiguration>((options, configuration) => Bind(options, configuration.GetSection(section)))
            .ValidateOnStart();
    }

    /// <summary>
    /// Binds like BindConfiguration, except that a configured list replaces the class's default list instead of
    /// being appended to it (Alerts:Names=Foo acts on Foo, not on KubePodCrashLooping and Foo).
    /// </summary>
    static void Bind<T>(T options, IConfigurationSection section) where T : class
    {
        foreach (var property in typeof(T).GetProperties().Where(p => p.SetMethod?.IsPublic == true))
        {
            if (!section.GetSection(property.Name).GetChildren().Any()) continue;
            if (property.PropertyType.IsArray)
                property.SetValue(options, Array.CreateInstance(property.PropertyType.GetElementType()!, 0));
            else if (property.PropertyType.IsGenericType && property.PropertyType.GetGenericTypeDefinition() == typeof(List<>))
                property.SetValue(options, Activator.CreateInstance(property.PropertyType));
        }
        section.Bind(options);
    }

    sealed class SectionValidator<T>(string section) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
                return ValidateOptionsResult.Success;
            return ValidateOptionsResult.Fail(results.Select(Describe));
        }

        // "Pipeline:Workers: The field Workers must be between 1 and 256." names the key a person sets.
        string Describe(ValidationResult result)
        {
            var message = result.ErrorMessage ?? "is invalid";
            if (message.StartsWith(section + ":", StringComparison.Ordinal)) return message;
            var member = result.MemberNames.FirstOrDefault();
            return member is null ? $"{section}: {message}" : $"{section}:{member}: {message}";
        }
    }
}
