@echo off
rem Install xltools from this folder into "venv" next to this file, without network.
rem   install.bat                        finds Python {{PYTHONS}} through the py launcher, then PATH
rem   install.bat "C:\Python311\python.exe"  uses that Python
rem ASCII only: cmd reads a .bat in the console's code page (936 on a Chinese Windows), so the
rem Chinese messages come from Python (it writes to a console through the Unicode API, whatever the
rem code page) or from UTF-8 text files shown under code page 65001 (see :say). Every path is quoted
rem (folders with spaces or Chinese names). The folder of this file ends with a backslash, so it is
rem never followed directly by a closing quote: a program would read the backslash-quote as a quote.
setlocal
rem Output redirected to a file or a pipe is written in the code page (GBK on a Chinese Windows):
rem a character GBK lacks becomes "?" instead of an error. Not PYTHONUTF8: a redirected file in
rem UTF-8 shows as garbage when typed in a GBK console.
set "PYTHONIOENCODING=:replace"
set "PYTHONUTF8="
if not "%~1"=="" (
  "%~1" "%~dp0tools\install.py"
  goto end
)
for %%v in ({{PYTHONS}}) do (
  py -%%v -c "import sys" >nul 2>&1
  if not errorlevel 1 (
    py -%%v "%~dp0tools\install.py"
    goto end
  )
)
python -c "import sys; sys.exit(sys.version_info < (3, 10))" >nul 2>&1
if not errorlevel 1 (
  python "%~dp0tools\install.py"
  goto end
)
call :say "%~dp0tools\no-python.txt"
set "RC=3"
goto stop
:end
set "RC=%ERRORLEVEL%"
:stop
call :pause_if_clicked
exit /b %RC%

:say
rem A UTF-8 text file shown under code page 65001, then the console's own code page restored.
for /f "tokens=*" %%a in ('chcp') do for %%b in (%%a) do set "CP=%%b"
set "CP=%CP:.=%"
chcp 65001 >nul
type "%~1"
chcp %CP% >nul
exit /b 0

:pause_if_clicked
rem Started by a double click (cmd /c): keep the window open so that the result can be read.
setlocal EnableDelayedExpansion
if /i not "!CMDCMDLINE:/c=!"=="!CMDCMDLINE!" pause
endlocal
exit /b 0
