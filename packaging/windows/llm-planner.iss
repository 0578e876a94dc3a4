; Inno Setup 6 script: a Windows installer for the one-folder build in dist\llm-planner\
; (packaging/build.sh). Registers the .llmplan file type, adds a Start menu shortcut and an
; uninstaller. Installs per user without admin rights (or for all users, when chosen).
;
;   iscc /DAppVersion=0.1.0 packaging\windows\llm-planner.iss
;
; writes dist\llm-planner-<version>-windows-x86_64-setup.exe. Paths are relative to this file.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "LLM Deployment Planner"
#define AppExe "llm-planner.exe"
#define ProgId "LLMPlanner.Plan"

[Setup]
AppId={{6B1C3E2A-4F0D-4C8B-9E57-2D7A1F3B8C41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=LLM Deployment Planner contributors
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ChangesAssociations=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SourceDir=..\..
OutputDir=dist
OutputBaseFilename=llm-planner-{#AppVersion}-windows-x86_64-setup
SetupIconFile=packaging\llm-planner.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "association"; Description: "Open .llmplan files with {#AppName}"; GroupDescription: "File types:"

[Files]
Source: "dist\llm-planner\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; .llmplan -> LLMPlanner.Plan, opened as: llm-planner.exe "C:\path\plan.llmplan"
Root: HKA; Subkey: "Software\Classes\.llmplan"; ValueType: string; ValueName: ""; ValueData: "{#ProgId}"; Flags: uninsdeletevalue; Tasks: association
Root: HKA; Subkey: "Software\Classes\.llmplan"; ValueType: string; ValueName: "Content Type"; ValueData: "application/x-llmplan"; Flags: uninsdeletevalue; Tasks: association
Root: HKA; Subkey: "Software\Classes\.llmplan\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "LLM deployment plan"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".llmplan"; ValueData: ""; Flags: uninsdeletekey

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#StringChange(AppName, '&', '&&')}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"
