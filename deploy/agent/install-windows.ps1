<#
.SYNOPSIS
Installs the Meterbridge agent on this Windows machine: Python 3.11+ (with winget if it is missing), the agent
under %ProgramData%\Meterbridge, enrolment with the portal, and a scheduled task that runs it as SYSTEM at boot.

.DESCRIPTION
The portal serves this file at /downloads/install-windows.ps1 with its own addresses filled in. In an elevated
PowerShell ("Run as administrator"), as the site page shows it with the key filled in:

    & ([scriptblock]::Create((irm https://acme.example.com/downloads/install-windows.ps1))) -Key 'mbl_...' -Name 'Reception PC'

The "Get Licence Key" way, with the dealer id instead of a key (the enrolment password is asked for):

    & ([scriptblock]::Create((irm https://acme.example.com/downloads/install-windows.ps1))) -Dealer acme -Customer 'Contoso' -Site 'Head office'

Run again to upgrade: the agent is stopped, replaced and started, and keeps its enrolment when no key is given.

-DryRun prints every step that would change this machine instead of running it. It still downloads the agent
into a temporary folder (removed at the end) to check its checksum, and runs the agent's own
`windows install --dry-run`, which prints the ACL and Task Scheduler commands and the task's XML.

The key and the enrolment password reach the agent through environment variables of this process, never its
command line or this script's output. The agent keeps neither: it stores the token the portal gives it, in a
folder only SYSTEM and Administrators can open.

Windows PowerShell 5.1 (Windows Server 2012 R2 with WMF 5.1 and later), and PowerShell 7.
#>
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingWriteHost', '', Justification = 'An interactive installer: its messages are for the technician watching, not for a pipeline.')]
[CmdletBinding()]
param(
    # The licence key from the site page.
    [string]$Key,
    # The dealer id, for the "Get Licence Key" way (instead of -Key).
    [string]$Dealer,
    # The dealer's enrolment password (with -Dealer); asked for when not given.
    [System.Security.SecureString]$EnrollmentPassword,
    # With -Dealer: the customer and site this machine is at.
    [string]$Customer,
    [string]$Site,
    # What the portal calls this agent (default: "<computer name> @ <site>").
    [string]$Name,
    # Where the agent enrols and reports.
    [string]$Portal = '@PORTAL_URL@',
    # The dealer's host: the agent file is at <Download>/downloads/meterbridge-agent.pyz.
    [string]$Download = '@DOWNLOAD_URL@',
    # Print what would change this machine instead of doing it.
    [switch]$DryRun
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'  # Windows PowerShell's progress bar slows Invoke-WebRequest tenfold
# Windows PowerShell 5.1 on older Windows offers only TLS 1.0 unless told; 3072 is Tls12 (absent from old .NET enums).
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor 3072

$MinimumPython = [version]'3.11'
$PythonDownloadPage = 'https://www.python.org/downloads/windows/'
$AgentFolder = Join-Path $env:ProgramData 'Meterbridge'
$InstalledAgent = Join-Path $AgentFolder 'meterbridge-agent.pyz'

function Invoke-Step {
    # The one place this script changes the machine. -DryRun prints the step, or runs its -DryRunAction (a dry
    # run of the agent's own) instead.
    param(
        [Parameter(Mandatory = $true)][string]$Description,
        [Parameter(Mandatory = $true)][scriptblock]$Action,
        [scriptblock]$DryRunAction
    )
    if (-not $DryRun) {
        Write-Host "-> $Description"
        & $Action
    } elseif ($DryRunAction) {
        Write-Host "[dry run] $Description (the agent's dry run follows)"
        & $DryRunAction
    } else {
        Write-Host "[dry run] $Description"
        Write-Host "          $($Action.ToString().Trim())"
    }
}

function Test-Administrator {
    $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
    (New-Object Security.Principal.WindowsPrincipal $identity).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}

function Find-Python {
    # The py launcher (newest 3.x), python on PATH, then where winget's machine-wide install puts it (a Python
    # installed a moment ago is not on this session's PATH yet). The Microsoft Store's python.exe stub prints nothing.
    $ErrorActionPreference = 'Continue'  # 5.1 turns a native command's stderr into errors, which 'Stop' would throw
    $candidates = @(
        @{ Exe = 'py'; Prefix = @('-3') },
        @{ Exe = 'python'; Prefix = @() },
        @{ Exe = (Join-Path $env:ProgramFiles 'Python312\python.exe'); Prefix = @() }
    )
    foreach ($candidate in $candidates) {
        $exe, $prefix = $candidate.Exe, $candidate.Prefix
        if (-not (Get-Command $exe -ErrorAction SilentlyContinue)) { continue }
        $answer = & $exe @prefix -c 'import sys; print(sys.version_info[0], sys.version_info[1], sys.executable)' 2>$null
        if ($LASTEXITCODE -ne 0 -or -not $answer) { continue }
        $major, $minor, $path = "$answer".Trim() -split ' ', 3
        if ([version]"$major.$minor" -ge $MinimumPython) { return $path }
    }
    return $null
}

function Install-Python {
    if (-not (Get-Command winget -ErrorAction SilentlyContinue)) {
        throw "Python $MinimumPython or newer is needed and winget is not available here. Install Python from $PythonDownloadPage (tick 'Install for all users'), then run this again."
    }
    Invoke-Step 'Install Python 3.12 for all users with winget' {
        winget install -e --id Python.Python.3.12 --scope machine --silent --accept-package-agreements --accept-source-agreements
        if ($LASTEXITCODE -ne 0) { throw "winget could not install Python ($LASTEXITCODE): install it from $PythonDownloadPage" }
    }
}

function ConvertTo-PlainText([System.Security.SecureString]$Secret) {
    $bstr = [Runtime.InteropServices.Marshal]::SecureStringToBSTR($Secret)
    try { [Runtime.InteropServices.Marshal]::PtrToStringBSTR($bstr) } finally { [Runtime.InteropServices.Marshal]::ZeroFreeBSTR($bstr) }
}

function ConvertTo-NativeArgument([string]$Text) {
    # Windows PowerShell 5.1 wraps a native argument holding spaces in "..." without escaping a " or a trailing \
    # inside it: a name holding one could split into extra options for the agent. No name needs either.
    ($Text -replace '"', "'").TrimEnd('\')
}

function Get-Agent([string]$Folder) {
    # The agent file and its checksum from the dealer's host, checked: a damaged or altered download stops here.
    $url = "$Download/downloads/meterbridge-agent.pyz"
    $file = Join-Path $Folder 'meterbridge-agent.pyz'
    Write-Host "Downloading $url"
    Invoke-WebRequest -UseBasicParsing -Uri $url -OutFile $file
    $answer = Invoke-WebRequest -UseBasicParsing -Uri "$url.sha256"
    $text = if ($answer.Content -is [byte[]]) { [Text.Encoding]::ASCII.GetString($answer.Content) } else { $answer.Content }
    $expected = ("$text".Trim() -split '\s+')[0]
    $actual = (Get-FileHash -LiteralPath $file -Algorithm SHA256).Hash
    if ($actual -ne $expected) { throw "The downloaded agent does not match its checksum ($actual, expected $expected): nothing was installed." }
    return $file
}

function Add-SecretToEnvironment {
    # What the agent reads when --key / --enrollment-password are absent; cleared by Clear-SecretFromEnvironment.
    if ($Key) { $env:MB_LICENSE_KEY = $Key.Trim() }
    if ($Dealer) {
        $password = $EnrollmentPassword
        if (-not $password) { $password = Read-Host -AsSecureString "Enrolment password for dealer $Dealer" }
        $env:MB_ENROLLMENT_PASSWORD = ConvertTo-PlainText $password
    }
}

function Clear-SecretFromEnvironment {
    Remove-Item Env:\MB_LICENSE_KEY -ErrorAction SilentlyContinue
    Remove-Item Env:\MB_ENROLLMENT_PASSWORD -ErrorAction SilentlyContinue
}

function Invoke-Agent([string]$Agent, [string[]]$Arguments) {
    $ErrorActionPreference = 'Continue'  # the agent logs to stderr; its exit code says whether it worked
    & $Python $Agent @Arguments
    if ($LASTEXITCODE -ne 0) { throw "meterbridge-agent $($Arguments[0..1] -join ' ') failed ($LASTEXITCODE); see the lines above." }
}

# --- the install ---------------------------------------------------------------------------------------------

if ($Portal.StartsWith('@') -or $Download.StartsWith('@')) {
    throw 'This copy was not served by a portal: pass -Portal https://portal.example.com -Download https://dealer.portal.example.com'
}
if (($Customer -or $Site -or $EnrollmentPassword) -and -not $Dealer) {
    throw '-Customer, -Site and -EnrollmentPassword go with -Dealer (the "Get Licence Key" way); with -Key the site is the key''s.'
}
if (-not (Test-Administrator)) {
    if (-not $DryRun) { throw 'Run this in an elevated PowerShell ("Run as administrator"): the agent is installed for SYSTEM under ProgramData.' }
    Write-Warning 'Not elevated: a real install needs "Run as administrator".'
}
if (-not $Key -and -not $Dealer -and -not (Test-Path -LiteralPath (Join-Path $AgentFolder 'agent.toml'))) {
    $Key = ConvertTo-PlainText (Read-Host -AsSecureString 'Licence key (from the site page)')
}

$Python = Find-Python
if (-not $Python) {
    Install-Python
    if ($DryRun) { Write-Host '[dry run] Stops here: the rest needs Python.'; return }
    $Python = Find-Python
    if (-not $Python) { throw "Python was installed but is not found yet: open a new PowerShell and run this again." }
}
Write-Host "Python: $Python"
if ($Python -like "$env:USERPROFILE\*") {
    Write-Warning "This Python is installed for one user only; the agent runs it as SYSTEM from there. A machine-wide Python is sturdier: $PythonDownloadPage"
}

$scratch = Join-Path ([IO.Path]::GetTempPath()) ('meterbridge-' + [guid]::NewGuid().ToString('N'))  # this run's downloads
New-Item -ItemType Directory -Path $scratch | Out-Null
try {
    $downloaded = Get-Agent $scratch
    if (Test-Path -LiteralPath $InstalledAgent) {
        Invoke-Step 'Stop the agent already installed' { Invoke-Agent $InstalledAgent @('windows', 'stop') }
    }
    Invoke-Step "Create $AgentFolder" { New-Item -ItemType Directory -Force -Path $AgentFolder | Out-Null }
    Invoke-Step "Copy the agent to $InstalledAgent" { Copy-Item -LiteralPath $downloaded -Destination $InstalledAgent -Force }
    # For `windows install`. The key and password are not among them: see Add-SecretToEnvironment.
    $arguments = @('windows', 'install', '--portal', $Portal, '--python', $Python)
    if ($Name) { $arguments += @('--name', (ConvertTo-NativeArgument $Name)) }
    if ($Dealer) { $arguments += @('--dealer', (ConvertTo-NativeArgument $Dealer)) }
    if ($Customer) { $arguments += @('--customer', (ConvertTo-NativeArgument $Customer)) }
    if ($Site) { $arguments += @('--site', (ConvertTo-NativeArgument $Site)) }
    Add-SecretToEnvironment
    try {
        Invoke-Step 'Lock the folder to SYSTEM and Administrators, enrol, register the task and start it' {
            Invoke-Agent $InstalledAgent $arguments
        } -DryRunAction { Invoke-Agent $downloaded ($arguments + '--dry-run') }
    } finally {
        Clear-SecretFromEnvironment
    }
} finally {
    Remove-Item -LiteralPath $scratch -Recurse -Force -ErrorAction SilentlyContinue
}
if (-not $DryRun) {
    Write-Host "Done. Check it with: & '$Python' '$InstalledAgent' windows status"
}
