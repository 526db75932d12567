namespace RedshiftIamra.PowerShell; internal static class Placeholder {}
