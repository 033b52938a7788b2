@echo off
rem Start the web page (xltools serve) from this folder's "venv" and open it in the browser.
rem The arguments pass through: serve.bat --host 0.0.0.0 --port 8765
rem Closing the window (or Ctrl+C) stops it. ASCII only, every path quoted (see install.bat).
setlocal
set "PYTHONIOENCODING=:replace"
set "PYTHONUTF8="
set "PY=%~dp0venv\Scripts\python.exe"
if not exist "%PY%" goto missing
"%PY%" -m xltools serve --open %*
set "RC=%ERRORLEVEL%"
rem A refusal (port taken, a mistyped option) stays on screen instead of the window closing at once.
if not "%RC%"=="0" if not "%RC%"=="130" pause
exit /b %RC%

:missing
call :say "%~dp0tools\not-installed.txt"
pause
exit /b 2

:say
for /f "tokens=*" %%a in ('chcp') do for %%b in (%%a) do set "CP=%%b"
set "CP=%CP:.=%"
chcp 65001 >nul
type "%~1"
chcp %CP% >nul
exit /b 0
