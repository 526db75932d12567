# ReadyToRun images in bin/r2r: the loader takes the folder for this runtime major and platform,
# and the runtime really uses the precompiled code (it silently ignores images made by another
# major's crossgen2, so a staged folder alone proves nothing). build.ps1 build stages this host's flavour.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $moduleRoot = (Resolve-Path (Split-Path $ModulePath -Parent)).Path
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    $arch = "$([System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture)".ToLowerInvariant()
    $imageFolder = Join-Path $moduleRoot "bin/r2r/$os-$arch/net$([Environment]::Version.Major).0"

    $work = Join-Path ([IO.Path]::GetTempPath()) "iamra-r2r-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $work
    $root = New-TestRootCA
    $pem = Export-TestPem -Certificate (New-TestClientCertificate -Issuer $root) -Directory $work

    # The same module without its images: only our assemblies differ between the two runs.
    $ilOnly = Join-Path $work 'il-only'
    Copy-Item $moduleRoot $ilOnly -Recurse
    Remove-Item (Join-Path $ilOnly 'bin/r2r') -Recurse -Force

    # A cold first call in a fresh process: methods the JIT compiles for it, and where our engine loaded from.
    # Each child gets an empty cache folder: pwsh replays the methods its previous run JITted (a
    # startup profile kept there) on a background thread, which would count another run's methods.
    function Invoke-ColdCall([string] $Manifest) {
        $cache = Join-Path $work "cache-$([guid]::NewGuid().ToString('N'))"
        $result = Invoke-FreshPwsh -Environment @{ XDG_CACHE_HOME = $cache; LOCALAPPDATA = $cache } @"
Import-Module '$Manifest'
`$before = [System.Runtime.JitInfo]::GetCompiledMethodCount(`$false)
`$certificate = Get-IamraCertificate -Path '$($pem.Certificate)' -PrivateKeyPath '$($pem.Key)'
Set-IamraAwsProfile -ProfileName r2r -Path '$($pem.Certificate)' -PrivateKeyPath '$($pem.Key)' -ConfigPath '$(Join-Path $work "config-$([guid]::NewGuid().ToString('N'))")' ``
    -TrustAnchorArn 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0c7a4f52-1d8e-4b57-9a3e-6f2b8d4c1e90' ``
    -ProfileArn 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/0c7a4f52-1d8e-4b57-9a3e-6f2b8d4c1e91' ``
    -RoleArn 'arn:aws:iam::123456789012:role/etl'
`$after = [System.Runtime.JitInfo]::GetCompiledMethodCount(`$false)
"JITTED=`$(`$after - `$before)"
"ENGINE=`$([System.Runtime.Loader.AssemblyLoadContext]::All.Assemblies.Where({ `$_.GetName().Name -eq 'RedshiftIamra' })[0].Location)"
"@
        $result.ExitCode | Should -Be 0 -Because $result.Error
        [pscustomobject]@{
            Jitted = [int]([regex]::Match($result.Output, 'JITTED=(\d+)').Groups[1].Value)
            Engine = [regex]::Match($result.Output, 'ENGINE=(.*)').Groups[1].Value.Trim()
        }
    }
}

AfterAll {
    if ($work) { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'ReadyToRun images' {
    It 'are staged for this runtime major and platform' {
        Join-Path $imageFolder 'RedshiftIamra.dll' | Should -Exist
        Join-Path $imageFolder 'RedshiftIamra.PowerShell.dll' | Should -Exist
    }

    It 'are loaded and used: a cold call JITs far fewer methods than the same call on IL only' {
        $withImages = Invoke-ColdCall $ModulePath
        $withoutImages = Invoke-ColdCall (Join-Path $ilOnly 'RedshiftIamra.psd1')

        $withImages.Engine | Should -BeLike (Join-Path $imageFolder '*') -Because 'the loader picks bin/r2r/<rid>/net<major>.0 for this process'
        $withoutImages.Engine | Should -BeLike (Join-Path $ilOnly 'bin/lib/*') -Because 'without images the loader falls back to the IL'
        # Both runs share the framework and PowerShell; the difference is our assemblies' methods,
        # which the runtime JITs only when it rejected or lacks their precompiled code.
        $saved = $withoutImages.Jitted - $withImages.Jitted
        $saved | Should -BeGreaterThan 100 -Because "IL only JITted $($withoutImages.Jitted) methods, with images $($withImages.Jitted)"
        $withImages.Jitted | Should -BeLessThan ($withoutImages.Jitted * 0.6)
    }

    It 'falls back to the IL when the runtime has no folder of its own' {
        $result = Invoke-FreshPwsh @"
`$loader = [System.Runtime.Loader.AssemblyLoadContext]::Default.LoadFromAssemblyPath('$(Join-Path $moduleRoot 'bin/RedshiftIamra.Loader.dll')').GetType('RedshiftIamra.Loader.ModuleLoadContext', `$true)
"OTHER=`$(`$loader::ImageFolderName(7, 'X64'))"
"NONE=`$(`$null -eq `$loader::SelectImageDirectory('$(Join-Path $work 'no-images')'))"
"HERE=`$(`$loader::SelectImageDirectory('$(Join-Path $moduleRoot 'bin/r2r')'))"
"@
        $result.ExitCode | Should -Be 0 -Because $result.Error
        $result.Output | Should -Match "OTHER=$os-x64/net7\.0"
        $result.Output | Should -Match 'NONE=True'
        $result.Output | Should -Match ([regex]::Escape("HERE=$imageFolder"))
    }
}
